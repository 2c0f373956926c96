import type { AudioDeadlines, SynthesisRequest, TtsProvider } from '../providers';
import { FrameClock } from './frame-clock';
import { LEAD_FRAMES, TurnPlayer } from './turn-player';
import { advance, advanceUntil, chunksOf, heardAfter, logger, RecordingFacts, RecordingOutput, reply, SESSION, TEXT, testMetrics, tonePerChar, TURN } from '../../test/support/turn-fakes';

describe(TurnPlayer.name, () => {
  let output: RecordingOutput;
  let facts: RecordingFacts;

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
    output = new RecordingOutput();
    facts = new RecordingFacts();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  function start(text = TEXT, agentDeadlines?: AudioDeadlines, provider: TtsProvider = tonePerChar): TurnPlayer {
    const sut = new TurnPlayer({
      sessionId: SESSION,
      turnId: TURN,
      agent: { agentId: '22222222-2222-4222-8222-222222222222', provider: 'tone', voice: {}, filterActions: false, deadlines: agentDeadlines },
      provider,
      fallback: () => Promise.resolve(null),
      filterActions: false,
      output,
      metrics: testMetrics(),
      logger,
      facts,
      clock: new FrameClock(),
    });
    sut.onReply(reply(TURN, 'delta', 0, text));
    sut.onReply(reply(TURN, 'done', 1, text));
    return sut;
  }

  it("asks the provider for every sentence with the agent's deadlines", async () => {
    const requests: SynthesisRequest[] = [];
    const recording: TtsProvider = { ...tonePerChar, synthesize: (request) => (requests.push(request), tonePerChar.synthesize(request)) };
    const sut = start(TEXT, { firstAudioMs: 1_500, interChunkMs: 900 }, recording);
    await advanceUntil(() => output.ended() !== undefined);
    await sut.finished;

    expect(requests.length).toBeGreaterThan(1);
    expect(requests.map((r) => r.deadlines)).toEqual(requests.map(() => ({ firstAudioMs: 1_500, interChunkMs: 900 })));
  });

  it('publishes nothing while paused, then resumes where it stopped: every frame once, in order, and done with the whole text', async () => {
    const sut = start();
    await advanceUntil(() => output.frames.length >= 10);

    expect(sut.pause()).toBe(true);
    const atPause = output.frames.length;
    await advance(500);
    expect(output.frames).toHaveLength(atPause);
    expect(sut.isPaused).toBe(true);

    expect(sut.resume()).toBe(true);
    await advanceUntil(() => output.ended() !== undefined);
    await sut.finished;

    const frames = chunksOf(TEXT).reduce((sum, chunk) => sum + chunk.length, 0);
    expect(output.frames.map((f) => f.seq)).toEqual(Array.from({ length: frames }, (_, i) => i));
    expect(output.ended()).toEqual({ turn_id: TURN, state: 'done', heard_text: TEXT, frames_played: frames });
  });

  it('re-paces from the resume: the lead goes out at once, then one frame every 20 ms', async () => {
    const sut = start();
    await advanceUntil(() => output.frames.length >= 10);
    sut.pause();
    await advance(300);
    const resumedAtMs = performance.now();
    const before = output.frames.length;
    sut.resume();
    await advance(200);

    const after = output.frames.slice(before).map((f) => Math.round(f.atMs - resumedAtMs));
    expect(after.slice(0, LEAD_FRAMES)).toEqual([0, 0, 0]);
    // Frame k after the resume leaves when the k-LEAD_FRAMES+1 th has started playing at the listener.
    expect(after.slice(LEAD_FRAMES, LEAD_FRAMES + 5)).toEqual([20, 40, 60, 80, 100]);
  });

  it('cancelled while paused: interrupted with the words of exactly the frames published, and no frame after', async () => {
    const sut = start();
    await advanceUntil(() => output.frames.length >= 30);
    sut.pause();
    // Longer than the lead: the listener has played everything that was published.
    await advance(200);
    const published = output.frames.length;

    expect(sut.cancel()).toBe(true);
    await advance(1_000);
    await sut.finished;

    expect(output.frames).toHaveLength(published);
    const ended = output.ended();
    expect(ended).toMatchObject({ state: 'interrupted', frames_played: published });
    expect(ended?.heard_text).toBe(heardAfter(TEXT, published));
    expect(ended?.heard_text).not.toBe(TEXT);
    expect(output.turns.filter((t) => t.state === 'done')).toEqual([]);
  });

  it('cancelled just after a pause: the frames still in the lead are not counted as heard', async () => {
    const sut = start();
    await advanceUntil(() => output.frames.length >= 20);
    sut.pause();
    const published = output.frames.length;

    sut.cancel();
    await sut.finished;

    const played = output.ended()?.frames_played ?? -1;
    expect(played).toBeLessThan(published);
    expect(played).toBeGreaterThanOrEqual(published - LEAD_FRAMES);
  });

  it('refuses a second pause, a resume when not paused, and a pause once the turn is over', async () => {
    const sut = start('Short one.');
    expect(sut.resume()).toBe(false);
    expect(sut.pause()).toBe(true);
    expect(sut.pause()).toBe(false);
    expect(sut.resume()).toBe(true);
    await advanceUntil(() => output.ended() !== undefined);
    expect(output.ended()).toMatchObject({ state: 'done', heard_text: 'Short one.', frames_played: 'Short one.'.length });
    expect(sut.pause()).toBe(false);
  });

  it('refuses a pause once every frame is out (the turn only waits for them to play)', async () => {
    const sut = start('Almost done.');
    await advanceUntil(() => output.frames.length === chunksOf('Almost done.').join('').length);
    expect(output.ended()).toBeUndefined();
    expect(sut.pause()).toBe(false);
    await advanceUntil(() => output.ended() !== undefined);
    expect(output.ended()).toMatchObject({ state: 'done', heard_text: 'Almost done.' });
  });

  it('a turn paused before its first frame speaks nothing until resumed, then all of it', async () => {
    const sut = start('Not yet, please.');
    sut.pause();
    await advance(600);
    expect(output.frames).toEqual([]);
    expect(output.turns).toEqual([]);
    sut.resume();
    await advanceUntil(() => output.ended() !== undefined);
    expect(output.turns.map((t) => t.state)).toEqual(['speaking', 'done']);
    expect(output.ended()).toMatchObject({ heard_text: 'Not yet, please.' });
  });

  it('stores what was heard durably: a final fact with the whole text and the TTS marks in order when done', async () => {
    const sut = start();
    await advanceUntil(() => output.ended() !== undefined, 20_000);
    await sut.finished;

    const final = facts.stored.at(-1);
    expect(final).toMatchObject({ session_id: SESSION, turn_id: TURN, final: true, interrupted: false, heard_text: output.ended()?.heard_text, frames_played: output.frames.length });
    const marks = final?.marks ?? {};
    const order = [marks.tts_first_token, marks.first_sentence, marks.tts_request, marks.tts_first_byte, marks.first_frame_published];
    expect(order.every((mark) => typeof mark === 'number')).toBe(true);
    expect([...order].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(order);
    expect(facts.stored.map((fact) => fact.seq)).toEqual(facts.stored.map((_fact, i) => i));
    expect(facts.stored.filter((fact) => fact.final)).toHaveLength(1);
  });

  it('stores progress while speaking, and a final interrupted fact with exactly what was heard on a cancel', async () => {
    const sut = start('One. '.repeat(60));
    await advanceUntil(() => output.frames.length >= 120);
    const progress = facts.stored.filter((fact) => !fact.final);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((fact) => fact.heard_text !== '' && !fact.interrupted)).toBe(true);

    sut.cancel();
    await sut.finished;
    const final = facts.stored.at(-1);
    expect(final).toMatchObject({ final: true, interrupted: true, heard_text: output.ended()?.heard_text });
    expect(final?.frames_played).toBeLessThanOrEqual(output.frames.length);
  });
});
