/**
 * Onset holds with several speakers (a Discord channel), on the real bus: one tts-gateway booted
 * in-process on real NATS, a fake agent-api responder and FakeChatterboxServer speaking the real
 * HTTP protocol. The test plays stt-gateway's part, publishing two speakers' `vad` events
 * interleaved, and watches the session's media plane with a SubjectTap.
 */
import { randomUUID } from 'node:crypto';
import { Bus } from '@voxbridge/bus';
import { MediaHeaders, mediaSubject, sessionProtocol, streamName, type ReplyEvent, type SessionClaimReply, type TurnEvent, type VadEvent } from '@voxbridge/contracts';
import { bootService, FakeAgentDirectory, type RunningService } from '@voxbridge/service-testing';
import { FakeChatterboxServer, SubjectTap, testInfra, uniqueNamespace, type TapRecord } from '@voxbridge/testing';
import { AppModule } from '../src/app.module';
import { TtsGatewayEnv } from '../src/config/tts-gateway.env';

const definition = { service: 'tts-gateway' as const, env: TtsGatewayEnv, module: AppModule.register.bind(AppModule) };
/** The fake speaks 20 ms of tone per character at 24 kHz: one audio.out frame per character. */
const MS_PER_CHAR = 20;
const SPEECH_TIMEOUT = { timeoutMs: 15_000 };
/** Two people in one voice channel (Discord user snowflakes). */
const ALICE = '100000000000000001';
const BOB = '100000000000000002';

describe('tts-gateway onset holds per speaker', () => {
  const infra = testInfra();
  const namespace = uniqueNamespace('tts-holds');
  const taps: SubjectTap[] = [];
  let chatterbox: FakeChatterboxServer;
  let bus: Bus;
  let replica: RunningService;
  const agentId = randomUUID();

  beforeAll(async () => {
    chatterbox = await FakeChatterboxServer.start({ tone: { msPerChar: MS_PER_CHAR }, knownVoices: ['narrator', 'default'] });
    bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'tts-holds-test' });
    new FakeAgentDirectory(bus).add({ id: agentId, name: 'Narrator', system_prompt: 'You narrate.', tts_provider: 'chatterbox', tts_voice: 'narrator', timezone: 'UTC' });
    replica = await bootService(definition, { NATS_URL: infra.natsUrl, VOXBRIDGE_NAMESPACE: namespace, CHATTERBOX_URL: chatterbox.url, TTS_LEASE_MS: '60000' });
  });

  afterAll(async () => {
    await Promise.all(taps.map((tap) => tap.stop()));
    await replica.close();
    const jsm = await bus.connection.jetstreamManager();
    await jsm.streams.delete(`KV_${streamName(namespace, 'leases-tts')}`).catch(() => false);
    await bus.drain();
    await chatterbox.stop();
  });

  async function openSession(): Promise<{ sessionId: string; tap: SubjectTap }> {
    const sessionId = randomUUID();
    const tap = await SubjectTap.start(infra.natsUrl, namespace, sessionId);
    taps.push(tap);
    await bus.requestJson<SessionClaimReply>(sessionProtocol('tts').claim.subject, { session_id: sessionId, agent_id: agentId });
    return { sessionId, tap };
  }

  /** llm-router's side of a turn: the text as one delta, then `done`. */
  function streamReply(sessionId: string, turnId: string, text: string): void {
    const events: ReplyEvent[] = [
      { session_id: sessionId, turn_id: turnId, kind: 'delta', seq: 0, text },
      { session_id: sessionId, turn_id: turnId, kind: 'done', seq: 1, text },
    ];
    for (const event of events) bus.publishJson(mediaSubject(sessionId, 'reply'), event);
  }

  /** stt-gateway's `vad` event for one speaker's utterance; returns when it was sent. */
  function vad(sessionId: string, kind: VadEvent['kind'], utteranceId: string, speakerId: string): number {
    const event: VadEvent = { session_id: sessionId, kind, utterance_id: utteranceId, at_ms: Date.now(), speaker_id: speakerId };
    bus.publishJson(mediaSubject(sessionId, 'vad'), event);
    return event.at_ms;
  }

  /** A speaker's voice lasting `ms` between two vad events: the scenario's own timing, not a wait for a result. */
  const voiceFor = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const framesOf = (tap: SubjectTap, turnId: string): TapRecord[] => tap.on('audio.out').filter((r) => r.headers[MediaHeaders.turnId] === turnId);
  /** Frames of the turn that tts-gateway published (its Vb-Ts-Ms header) within [fromMs, toMs). */
  const publishedBetween = (tap: SubjectTap, turnId: string, fromMs: number, toMs: number) =>
    framesOf(tap, turnId).filter((f) => {
      const atMs = Number(f.headers[MediaHeaders.timestampMs]);
      return atMs >= fromMs && atMs < toMs;
    });
  const ended = (tap: SubjectTap, turnId: string, state: 'done' | 'interrupted'): TurnEvent => {
    const event = tap
      .on('turn')
      .map((r) => r.json as TurnEvent)
      .find((e) => e.turn_id === turnId && e.state === state);
    if (!event) throw new Error(`no ${state} event for turn ${turnId} yet`);
    return event;
  };

  it.each([
    { order: 'the first onset dismissed first', firstDismissed: ALICE },
    { order: 'the last onset dismissed first', firstDismissed: BOB },
  ])("stays paused after one speaker's dismissal while another's onset is pending, and resumes when both are dismissed ($order)", async ({ firstDismissed }) => {
    const { sessionId, tap } = await openSession();
    const text = 'Hello everyone in the channel. Two people clearing their throats will not stop this answer from being heard in full.';
    const turnId = randomUUID();
    streamReply(sessionId, turnId, text);
    await tap.expectEventually(() => expect(framesOf(tap, turnId).length).toBeGreaterThanOrEqual(10), SPEECH_TIMEOUT);

    const coughs = new Map([
      [ALICE, randomUUID()],
      [BOB, randomUUID()],
    ]);
    const cough = (speakerId: string) => coughs.get(speakerId) ?? '';
    const lastDismissed = firstDismissed === ALICE ? BOB : ALICE;
    const onsetAtMs = vad(sessionId, 'voice_onset', cough(ALICE), ALICE);
    await voiceFor(60);
    vad(sessionId, 'voice_onset', cough(BOB), BOB);
    await voiceFor(100);
    const firstDismissedAtMs = vad(sessionId, 'voice_dismissed', cough(firstDismissed), firstDismissed);
    await voiceFor(300);
    const lastDismissedAtMs = vad(sessionId, 'voice_dismissed', cough(lastDismissed), lastDismissed);

    const done = await tap.expectEventually(() => ended(tap, turnId, 'done'), SPEECH_TIMEOUT);
    // A frame already on its way when the first onset landed may be stamped just after it; none later,
    // in particular none in the 300 ms between the first dismissal and the last.
    expect(publishedBetween(tap, turnId, onsetAtMs + 50, lastDismissedAtMs)).toEqual([]);
    expect(publishedBetween(tap, turnId, firstDismissedAtMs, lastDismissedAtMs)).toEqual([]);
    expect(publishedBetween(tap, turnId, lastDismissedAtMs, Number.MAX_SAFE_INTEGER).length).toBeGreaterThan(0);
    const frames = framesOf(tap, turnId);
    expect(frames.map((f) => Number(f.headers[MediaHeaders.sequence]))).toEqual(Array.from({ length: frames.length }, (_, i) => i));
    expect(done).toMatchObject({ heard_text: text, frames_played: frames.length });
  });

  it("cancels at another speaker's confirmed speech during an onset, and holds the next turn until the pending onset is dismissed", async () => {
    const { sessionId, tap } = await openSession();
    const text = 'Hello everyone in the channel. This answer is cut short when somebody else starts talking over it.';
    const turnId = randomUUID();
    streamReply(sessionId, turnId, text);
    await tap.expectEventually(() => expect(framesOf(tap, turnId).length).toBeGreaterThanOrEqual(10), SPEECH_TIMEOUT);

    const aliceCough = randomUUID();
    const onsetAtMs = vad(sessionId, 'voice_onset', aliceCough, ALICE);
    await voiceFor(100);
    vad(sessionId, 'speech_started', randomUUID(), BOB);

    const interrupted = await tap.expectEventually(() => ended(tap, turnId, 'interrupted'));
    const published = framesOf(tap, turnId).length;
    expect(publishedBetween(tap, turnId, onsetAtMs + 50, Number.MAX_SAFE_INTEGER)).toEqual([]);
    expect(interrupted.frames_played).toBe(published);

    // The answer to Bob arrives while Alice's onset is still pending: it starts paused.
    const nextTurn = randomUUID();
    streamReply(sessionId, nextTurn, 'Go ahead, Bob.');
    await voiceFor(200);
    const aliceDismissedAtMs = vad(sessionId, 'voice_dismissed', aliceCough, ALICE);
    const done = await tap.expectEventually(() => ended(tap, nextTurn, 'done'), SPEECH_TIMEOUT);
    expect(publishedBetween(tap, nextTurn, 0, aliceDismissedAtMs)).toEqual([]);
    expect(done.heard_text).toBe('Go ahead, Bob.');
  });
});
