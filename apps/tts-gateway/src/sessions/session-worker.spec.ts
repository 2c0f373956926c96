import type { VadEvent } from '@voxbridge/contracts';
import { advance, advanceUntil, chunksOf, heardAfter, logger, RecordingFacts, RecordingOutput, reply, SESSION, testMetrics, TEXT, tonePerChar, TURN } from '../../test/support/turn-fakes';
import { SessionWorker } from './session-worker';

const NEXT_TURN = '44444444-4444-4444-8444-444444444444';
const COUGH = '55555555-5555-4555-8555-555555555555';
const SPEECH = '66666666-6666-4666-8666-666666666666';
const HOLD_MAX_MS = 1_000;

const ALICE = '111111111111111111';
const BOB = '222222222222222222';
const ALICE_UTTERANCE = '77777777-7777-4777-8777-777777777777';
const BOB_UTTERANCE = '88888888-8888-4888-8888-888888888888';

const vad = (kind: VadEvent['kind'], utteranceId: string, speakerId?: string): VadEvent => ({
  session_id: SESSION,
  kind,
  utterance_id: utteranceId,
  at_ms: 1,
  ...(speakerId === undefined ? {} : { speaker_id: speakerId }),
});

describe(SessionWorker.name, () => {
  let output: RecordingOutput;
  let sut: SessionWorker;

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
    output = new RecordingOutput();
    sut = new SessionWorker({
      sessionId: SESSION,
      agent: { agentId: '22222222-2222-4222-8222-222222222222', provider: 'tone', voice: {}, filterActions: false },
      provider: tonePerChar,
      fallback: () => Promise.resolve(null),
      output,
      metrics: testMetrics(),
      facts: new RecordingFacts(),
      logger,
      onEnd: () => undefined,
      onsetHoldMaxMs: HOLD_MAX_MS,
    });
  });

  afterEach(async () => {
    await sut.stop();
    jest.useRealTimers();
  });

  function speak(turnId: string, text = TEXT): void {
    sut.onReply(reply(turnId, 'delta', 0, text));
    sut.onReply(reply(turnId, 'done', 1, text));
  }

  const framesOf = (turnId: string) => output.frames.filter((f) => f.turnId === turnId);
  const totalFrames = (text: string) => chunksOf(text).reduce((sum, chunk) => sum + chunk.length, 0);

  it('pauses at voice_onset and resumes at its voice_dismissed: the whole turn plays, every frame once, done with the full text', async () => {
    speak(TURN);
    await advanceUntil(() => framesOf(TURN).length >= 10);

    sut.onVad(vad('voice_onset', COUGH));
    const atPause = framesOf(TURN).length;
    await advance(300);
    expect(framesOf(TURN)).toHaveLength(atPause);

    sut.onVad(vad('voice_dismissed', COUGH));
    await advanceUntil(() => output.ended() !== undefined);
    expect(framesOf(TURN).map((f) => f.seq)).toEqual(Array.from({ length: totalFrames(TEXT) }, (_, i) => i));
    expect(output.ended()).toEqual({ turn_id: TURN, state: 'done', heard_text: TEXT, frames_played: totalFrames(TEXT) });
  });

  it('cancels at speech_started after an onset: interrupted with the words of the frames published, none after', async () => {
    speak(TURN);
    await advanceUntil(() => framesOf(TURN).length >= 30);
    sut.onVad(vad('voice_onset', SPEECH));
    // The onset is confirmed 140 ms later (200 ms of voice, the first 60 ms heard before the onset).
    await advance(140);
    const published = framesOf(TURN).length;

    sut.onVad(vad('speech_started', SPEECH));
    await advance(1_000);
    expect(framesOf(TURN)).toHaveLength(published);
    expect(output.ended()).toEqual({ turn_id: TURN, state: 'interrupted', heard_text: heardAfter(TEXT, published), frames_played: published });
  });

  it('cancels at speech_started even without an onset seen before (it was missed)', async () => {
    speak(TURN);
    await advanceUntil(() => framesOf(TURN).length >= 10);
    sut.onVad(vad('speech_started', SPEECH));
    expect(output.ended()).toMatchObject({ state: 'interrupted' });
  });

  it('ignores the dismissal of an older onset: the newer one still holds the turn', async () => {
    speak(TURN);
    await advanceUntil(() => framesOf(TURN).length >= 10);
    sut.onVad(vad('voice_onset', COUGH));
    sut.onVad(vad('voice_onset', SPEECH));
    sut.onVad(vad('voice_dismissed', COUGH));
    const atPause = framesOf(TURN).length;
    await advance(300);
    expect(framesOf(TURN)).toHaveLength(atPause);
    sut.onVad(vad('voice_dismissed', SPEECH));
    await advanceUntil(() => output.ended() !== undefined);
    expect(output.ended()).toMatchObject({ state: 'done', heard_text: TEXT });
  });

  it('resumes by itself when neither speech_started nor voice_dismissed follows the onset within the hold', async () => {
    speak(TURN);
    await advanceUntil(() => framesOf(TURN).length >= 10);
    sut.onVad(vad('voice_onset', COUGH));
    const atPause = framesOf(TURN).length;
    await advance(HOLD_MAX_MS - 40);
    expect(framesOf(TURN)).toHaveLength(atPause);

    await advance(100);
    expect(framesOf(TURN).length).toBeGreaterThan(atPause);
    await advanceUntil(() => output.ended() !== undefined);
    expect(output.ended()).toMatchObject({ state: 'done', heard_text: TEXT, frames_played: totalFrames(TEXT) });
  });

  it('starts a turn that arrives during the hold paused, and lets it speak once the onset is dismissed', async () => {
    sut.onVad(vad('voice_onset', COUGH));
    speak(NEXT_TURN, 'Here I am.');
    await advance(400);
    expect(framesOf(NEXT_TURN)).toEqual([]);

    sut.onVad(vad('voice_dismissed', COUGH));
    await advanceUntil(() => output.ended(NEXT_TURN) !== undefined);
    expect(output.ended(NEXT_TURN)).toMatchObject({ state: 'done', heard_text: 'Here I am.' });
  });

  it('cancels on control cancel while paused, and a later dismissal resumes nothing', async () => {
    speak(TURN);
    await advanceUntil(() => framesOf(TURN).length >= 10);
    sut.onVad(vad('voice_onset', SPEECH));
    await advance(100);
    const published = framesOf(TURN).length;
    sut.onControl({ session_id: SESSION, action: 'cancel', turn_id: TURN });
    sut.onVad(vad('voice_dismissed', SPEECH));
    await advance(500);
    expect(framesOf(TURN)).toHaveLength(published);
    expect(output.ended()).toMatchObject({ state: 'interrupted', frames_played: published });
  });

  describe('several speakers', () => {
    it("stays paused while another speaker's onset is pending, and resumes once every onset is dismissed", async () => {
      speak(TURN);
      await advanceUntil(() => framesOf(TURN).length >= 10);
      sut.onVad(vad('voice_onset', ALICE_UTTERANCE, ALICE));
      sut.onVad(vad('voice_onset', BOB_UTTERANCE, BOB));
      const atPause = framesOf(TURN).length;

      // Bob's onset came last, yet Alice's still holds.
      sut.onVad(vad('voice_dismissed', BOB_UTTERANCE, BOB));
      await advance(300);
      expect(framesOf(TURN)).toHaveLength(atPause);

      sut.onVad(vad('voice_dismissed', ALICE_UTTERANCE, ALICE));
      await advanceUntil(() => output.ended() !== undefined);
      expect(framesOf(TURN).map((f) => f.seq)).toEqual(Array.from({ length: totalFrames(TEXT) }, (_, i) => i));
      expect(output.ended()).toMatchObject({ state: 'done', heard_text: TEXT });
    });

    it("cancels on any speaker's confirmed speech while another's onset holds the turn", async () => {
      speak(TURN);
      await advanceUntil(() => framesOf(TURN).length >= 10);
      sut.onVad(vad('voice_onset', ALICE_UTTERANCE, ALICE));
      await advance(100);
      const published = framesOf(TURN).length;

      sut.onVad(vad('speech_started', BOB_UTTERANCE, BOB));
      await advance(500);
      expect(framesOf(TURN)).toHaveLength(published);
      expect(output.ended()).toMatchObject({ state: 'interrupted', frames_played: published });
    });

    it("starts the next turn paused while a speaker's onset is still pending after another speaker's speech cancelled the last", async () => {
      speak(TURN);
      await advanceUntil(() => framesOf(TURN).length >= 10);
      sut.onVad(vad('voice_onset', ALICE_UTTERANCE, ALICE));
      sut.onVad(vad('speech_started', BOB_UTTERANCE, BOB));

      speak(NEXT_TURN, 'Here I am.');
      await advance(400);
      expect(framesOf(NEXT_TURN)).toEqual([]);

      sut.onVad(vad('voice_dismissed', ALICE_UTTERANCE, ALICE));
      await advanceUntil(() => output.ended(NEXT_TURN) !== undefined);
      expect(output.ended(NEXT_TURN)).toMatchObject({ state: 'done', heard_text: 'Here I am.' });
    });

    it("keeps holding after another speaker's dismissal until the pending onset's own timeout", async () => {
      speak(TURN);
      await advanceUntil(() => framesOf(TURN).length >= 10);
      sut.onVad(vad('voice_onset', ALICE_UTTERANCE, ALICE));
      const atPause = framesOf(TURN).length;
      await advance(500);
      sut.onVad(vad('voice_onset', BOB_UTTERANCE, BOB));
      sut.onVad(vad('voice_dismissed', BOB_UTTERANCE, BOB));

      // Alice's onset times out HOLD_MAX_MS after it came, not after Bob's.
      await advance(HOLD_MAX_MS - 500 - 40);
      expect(framesOf(TURN)).toHaveLength(atPause);

      await advance(100);
      expect(framesOf(TURN).length).toBeGreaterThan(atPause);
      await advanceUntil(() => output.ended() !== undefined);
      expect(output.ended()).toMatchObject({ state: 'done', heard_text: TEXT, frames_played: totalFrames(TEXT) });
    });
  });
});
