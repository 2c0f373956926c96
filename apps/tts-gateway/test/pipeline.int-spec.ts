/**
 * tts-gateway on the real bus: two replicas booted in-process on real NATS (JetStream leases), a
 * fake agent-api responder on the bus, and FakeChatterboxServer speaking the real HTTP protocol.
 * The test drives the session the way llm-router and a gateway do (claim, reply events, control)
 * and watches the session's media plane with a SubjectTap. Nothing of tts-gateway is mocked.
 */
import { randomUUID } from 'node:crypto';
import { Bus, BusRemoteError } from '@voxbridge/bus';
import {
  AUDIO_OUT_FRAME_BYTES,
  ErrorCode,
  MediaHeaders,
  mediaSubject,
  sessionProtocol,
  streamName,
  type ControlEvent,
  type ReplyEvent,
  type SessionClaimReply,
  type TurnEvent,
  type VadEvent,
} from '@voxbridge/contracts';
import { bootService, FakeAgentDirectory, type RunningService } from '@voxbridge/service-testing';
import { FakeChatterboxServer, SubjectTap, testInfra, uniqueNamespace, type TapRecord } from '@voxbridge/testing';
import { IsBoolean, IsString } from 'class-validator';
import { AppModule } from '../src/app.module';
import { TtsGatewayEnv } from '../src/config/tts-gateway.env';
import { detectLocalTtsEngine } from '../src/providers';
import { APOLOGY_TEXT } from '../src/sessions/turn-player';

const definition = { service: 'tts-gateway' as const, env: TtsGatewayEnv, module: AppModule.register.bind(AppModule) };
/** The fake speaks 20 ms of tone per character at 24 kHz: one audio.out frame per character. */
const MS_PER_CHAR = 20;
const WAV_HEADER_BYTES = 44;
const SPEECH_TIMEOUT = { timeoutMs: 15_000 };

class ReleaseReply {
  @IsString() session_id!: string;
  @IsBoolean() released!: boolean;
}

/** Deltas of 1–7 characters, as an LLM streams them. */
function deltasOf(text: string): string[] {
  const parts: string[] = [];
  for (let offset = 0, size = 1; offset < text.length; offset += size, size = (size % 7) + 1) parts.push(text.slice(offset, offset + size));
  return parts;
}

/** The words of `text` whose last character lies within the first `chars` characters. */
function wordsEndingWithin(text: string, chars: number): string {
  let end = 0;
  for (const match of text.matchAll(/\S+/g)) {
    const wordEnd = (match.index ?? 0) + match[0].length;
    if (wordEnd > chars) break;
    end = wordEnd;
  }
  return text.slice(0, end);
}

describe('tts-gateway sessions on the bus', () => {
  const infra = testInfra();
  const namespace = uniqueNamespace('tts');
  const taps: SubjectTap[] = [];
  let chatterbox: FakeChatterboxServer;
  let bus: Bus;
  let replicas: RunningService[] = [];
  const agentId = randomUUID();
  const autoAgentId = randomUUID();

  const boot = () =>
    bootService(definition, {
      NATS_URL: infra.natsUrl,
      VOXBRIDGE_NAMESPACE: namespace,
      CHATTERBOX_URL: chatterbox.url,
      // Long enough that no test needs heartbeats; lapses are covered by the SessionLeases tests.
      TTS_LEASE_MS: '60000',
    });

  beforeAll(async () => {
    chatterbox = await FakeChatterboxServer.start({ tone: { msPerChar: MS_PER_CHAR }, knownVoices: ['narrator', 'default'] });
    bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'tts-pipeline-test' });
    const directory = new FakeAgentDirectory(bus);
    // The narrator: Chatterbox with its own voice parameters.
    directory.add({
      id: agentId,
      name: 'Narrator',
      system_prompt: 'You narrate.',
      tts_provider: 'chatterbox',
      tts_voice: 'narrator',
      tts_exaggeration: 1.4,
      tts_cfg_weight: 0.35,
      timezone: 'UTC',
    });
    // A seeded-style agent: the provider is tts-gateway's choice.
    directory.add({ id: autoAgentId, name: 'Auto', system_prompt: 'You pick.', tts_provider: 'auto', tts_voice: 'narrator', timezone: 'UTC' });
    replicas = [await boot(), await boot()];
  });

  afterAll(async () => {
    await Promise.all(taps.map((tap) => tap.stop()));
    await Promise.all(replicas.map((replica) => replica.close()));
    const jsm = await bus.connection.jetstreamManager();
    await jsm.streams.delete(`KV_${streamName(namespace, 'leases-tts')}`).catch(() => false);
    await bus.drain();
    await chatterbox.stop();
  });

  async function openSession(agent = agentId): Promise<{ sessionId: string; tap: SubjectTap; claim: SessionClaimReply }> {
    const sessionId = randomUUID();
    const tap = await SubjectTap.start(infra.natsUrl, namespace, sessionId);
    taps.push(tap);
    const claim = await bus.requestJson<SessionClaimReply>(sessionProtocol('tts').claim.subject, { session_id: sessionId, agent_id: agent });
    return { sessionId, tap, claim };
  }

  function publishReply(sessionId: string, turnId: string, kind: ReplyEvent['kind'], seq: number, extra: Partial<ReplyEvent> = {}): void {
    const event: ReplyEvent = { session_id: sessionId, turn_id: turnId, kind, seq, ...extra };
    bus.publishJson(mediaSubject(sessionId, 'reply'), event);
  }

  /** llm-router's side of a turn: the text as deltas (the first with its metadata), then `done`. */
  function streamReply(sessionId: string, turnId: string, text: string): void {
    const deltas = deltasOf(text);
    deltas.forEach((delta, seq) =>
      publishReply(sessionId, turnId, 'delta', seq, seq === 0 ? { text: delta, llm_ttft_ms: 120, first_token_at_ms: Date.now(), provider: 'fake', model: 'fake' } : { text: delta }),
    );
    publishReply(sessionId, turnId, 'done', deltas.length, { text });
  }

  function control(sessionId: string, event: Omit<ControlEvent, 'session_id'>): void {
    bus.publishJson(mediaSubject(sessionId, 'control'), { session_id: sessionId, ...event });
  }

  function vad(sessionId: string, kind: VadEvent['kind'], utteranceId: string): void {
    const event: VadEvent = { session_id: sessionId, kind, utterance_id: utteranceId, at_ms: Date.now() };
    bus.publishJson(mediaSubject(sessionId, 'vad'), event);
  }

  /** The user's voice lasting `ms` between two vad events: the scenario's own timing, not a wait for a result. */
  const voiceFor = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  /** Frames of the turn that tts-gateway published (its Vb-Ts-Ms header) within [fromMs, toMs). */
  const publishedBetween = (tap: SubjectTap, turnId: string, fromMs: number, toMs: number) =>
    framesOf(tap, turnId).filter((f) => {
      const atMs = Number(f.headers[MediaHeaders.timestampMs]);
      return atMs >= fromMs && atMs < toMs;
    });

  const framesOf = (tap: SubjectTap, turnId: string): TapRecord[] => tap.on('audio.out').filter((r) => r.headers[MediaHeaders.turnId] === turnId);
  const turnEvents = (tap: SubjectTap, turnId: string): TurnEvent[] =>
    tap.on('turn').map((r) => r.json as TurnEvent).filter((e) => e.turn_id === turnId);
  const ended = (tap: SubjectTap, turnId: string, state: 'done' | 'interrupted'): TurnEvent => {
    const event = turnEvents(tap, turnId).find((e) => e.state === state);
    if (!event) throw new Error(`no ${state} event for turn ${turnId} yet`);
    return event;
  };
  const requestsFor = (input: string) => chatterbox.speechRequests.filter((r) => r.fields['input'] === input);

  async function metricsOfOwner(claim: SessionClaimReply): Promise<string> {
    for (const replica of replicas) {
      const health = (await (await fetch(`${replica.baseUrl}/health`)).json()) as { instance_id: string };
      if (health.instance_id === claim.owner_instance_id) return (await fetch(`${replica.baseUrl}/metrics`)).text();
    }
    throw new Error(`no replica is ${claim.owner_instance_id}`);
  }

  it("speaks a streamed reply as paced 960-byte frames in order, with speaking then done carrying the whole text, using the agent's voice", async () => {
    const { sessionId, tap, claim } = await openSession();
    expect(claim).toMatchObject({ session_id: sessionId, taken: true, lease_ms: 60_000 });
    const turnId = randomUUID();
    const sentences = ['Hello there, my friend.', 'This is the *smiles* second sentence.'];
    streamReply(sessionId, turnId, sentences.join(' '));

    const done = await tap.expectEventually(() => ended(tap, turnId, 'done'), SPEECH_TIMEOUT);
    const spoken = ['Hello there, my friend.', 'This is the second sentence.'];
    expect(done.heard_text).toBe(spoken.join(' '));
    const frames = framesOf(tap, turnId);
    const expectedFrames = spoken.reduce((sum, s) => sum + s.length, 0);
    expect(frames).toHaveLength(expectedFrames);
    expect(done.frames_played).toBe(expectedFrames);
    expect(frames.every((f) => f.sizeBytes === AUDIO_OUT_FRAME_BYTES)).toBe(true);
    expect(frames.map((f) => Number(f.headers[MediaHeaders.sequence]))).toEqual(frames.map((_, i) => i));

    const events = turnEvents(tap, turnId);
    expect(events.map((e) => e.state)).toEqual(['speaking', 'done']);
    expect(events[0]).toMatchObject({ session_id: sessionId, first_audio_at_ms: expect.any(Number), tts_ttfb_ms: expect.any(Number) });
    const speakingIndex = tap.records.findIndex((r) => r.stream === 'turn' && (r.json as TurnEvent).state === 'speaking');
    const firstFrameIndex = tap.records.findIndex((r) => r.stream === 'audio.out');
    expect(firstFrameIndex).toBeLessThan(speakingIndex);

    // *smiles* is a stage direction: the agent asks for it to be left unsaid.
    expect(requestsFor(spoken[1] ?? '')).toHaveLength(1);
    expect(requestsFor(spoken[0] ?? '')[0]?.fields).toMatchObject({
      voice: 'narrator',
      language: 'en',
      exaggeration: '1.4',
      cfg_weight: '0.35',
      temperature: '0.8',
      response_format: 'wav',
    });

    const metrics = await metricsOfOwner(claim);
    expect(metrics).toMatch(new RegExp(`tts_ttfb_ms_count\\{[^}]*provider="chatterbox"[^}]*agent="${agentId}"[^}]*\\} 1`));
    expect(metrics).toMatch(/tts_frames_published_total\{[^}]*provider="chatterbox"[^}]*\} \d+/);
  });

  it('resolves tts_provider auto to Chatterbox when CHATTERBOX_URL is set, and reports Chatterbox in its metrics', async () => {
    const { sessionId, tap, claim } = await openSession(autoAgentId);
    expect(claim.taken).toBe(true);
    const turnId = randomUUID();
    const text = 'Auto picked the server.';
    streamReply(sessionId, turnId, text);

    const done = await tap.expectEventually(() => ended(tap, turnId, 'done'), SPEECH_TIMEOUT);
    expect(done.heard_text).toBe(text);
    expect(framesOf(tap, turnId)).toHaveLength(text.length);
    expect(requestsFor(text)[0]?.fields).toMatchObject({ voice: 'narrator' });
    const metrics = await metricsOfOwner(claim);
    expect(metrics).toMatch(new RegExp(`tts_ttfb_ms_count\\{[^}]*provider="chatterbox"[^}]*agent="${autoAgentId}"[^}]*\\} 1`));
  });

  it('stops on cancel: the provider request is closed, no frame of the turn follows interrupted, heard text matches frames played', async () => {
    const { sessionId, tap } = await openSession();
    const first = 'Hello there, my friend.';
    const second = 'This second sentence will never finish playing.';
    // The first sentence arrives whole; the second stalls after 10 frames of audio.
    chatterbox.respondNext({}, { hangAfterBytes: WAV_HEADER_BYTES + 10 * AUDIO_OUT_FRAME_BYTES });
    const turnId = randomUUID();
    streamReply(sessionId, turnId, `${first} ${second}`);

    await tap.expectEventually(() => expect(framesOf(tap, turnId).length).toBeGreaterThanOrEqual(first.length + 5), SPEECH_TIMEOUT);
    const publishedBeforeCancel = framesOf(tap, turnId).length;
    control(sessionId, { action: 'cancel', turn_id: turnId, at_ms: Date.now() });

    const interrupted = await tap.expectEventually(() => ended(tap, turnId, 'interrupted'));
    const stalled = requestsFor(second)[0];
    expect(stalled?.index).toEqual(expect.any(Number));
    await tap.expectEventually(() => expect(chatterbox.disconnects.map((e) => e.requestIndex)).toContain(stalled?.index));

    // A later turn on the same session speaks: anything left of the cancelled one would come first.
    const nextTurn = randomUUID();
    streamReply(sessionId, nextTurn, 'Okay, I am listening now.');
    await tap.expectEventually(() => ended(tap, nextTurn, 'done'), SPEECH_TIMEOUT);

    const interruptedAt = tap.records.findIndex((r) => r.stream === 'turn' && (r.json as TurnEvent).state === 'interrupted');
    expect(tap.records.slice(interruptedAt).filter((r) => r.stream === 'audio.out' && r.headers[MediaHeaders.turnId] === turnId)).toEqual([]);
    const published = framesOf(tap, turnId).length;
    expect(published).toBeGreaterThanOrEqual(publishedBeforeCancel);
    const framesPlayed = interrupted.frames_played ?? -1;
    expect(framesPlayed).toBeLessThanOrEqual(published);
    expect(framesPlayed).toBeGreaterThanOrEqual(published - 3);
    // One frame per character: the second sentence is heard up to the last word whose audio played.
    const heardOfSecond = wordsEndingWithin(second, framesPlayed - first.length);
    expect(interrupted.heard_text).toBe([first, heardOfSecond].filter((s) => s !== '').join(' '));
    expect(`${first} ${second}`.startsWith(interrupted.heard_text ?? '')).toBe(true);
    expect(turnEvents(tap, turnId).map((e) => e.state)).toEqual(['speaking', 'interrupted']);
  });

  it('pauses at vad voice_onset (no frame while held), resumes at voice_dismissed, and ends done with the whole text heard', async () => {
    const { sessionId, tap, claim } = await openSession();
    const text = 'Hello there, my friend. A cough will not stop this sentence from being heard in full.';
    const turnId = randomUUID();
    streamReply(sessionId, turnId, text);
    await tap.expectEventually(() => expect(framesOf(tap, turnId).length).toBeGreaterThanOrEqual(10), SPEECH_TIMEOUT);

    const cough = randomUUID();
    const onsetAtMs = Date.now();
    vad(sessionId, 'voice_onset', cough);
    await voiceFor(400);
    const dismissedAtMs = Date.now();
    vad(sessionId, 'voice_dismissed', cough);

    const done = await tap.expectEventually(() => ended(tap, turnId, 'done'), SPEECH_TIMEOUT);
    // A frame already on its way when the onset landed may be stamped just after it; none later.
    expect(publishedBetween(tap, turnId, onsetAtMs + 50, dismissedAtMs)).toEqual([]);
    const frames = framesOf(tap, turnId);
    expect(frames.map((f) => Number(f.headers[MediaHeaders.sequence]))).toEqual(Array.from({ length: frames.length }, (_, i) => i));
    expect(publishedBetween(tap, turnId, dismissedAtMs, Number.MAX_SAFE_INTEGER).length).toBeGreaterThan(0);
    expect(done).toMatchObject({ heard_text: text, frames_played: frames.length });
    expect(turnEvents(tap, turnId).map((e) => e.state)).toEqual(['speaking', 'done']);
    const metrics = await metricsOfOwner(claim);
    expect(metrics).toMatch(/tts_turn_pauses_ended_total\{[^}]*outcome="dismissed"[^}]*\} [1-9]/);
  });

  it('pauses at voice_onset and cancels at speech_started: interrupted, heard text = the frames published', async () => {
    const { sessionId, tap } = await openSession();
    const first = 'Hello there, my friend.';
    const second = 'This second sentence is cut short by the user speaking over it.';
    const turnId = randomUUID();
    streamReply(sessionId, turnId, `${first} ${second}`);
    await tap.expectEventually(() => expect(framesOf(tap, turnId).length).toBeGreaterThanOrEqual(first.length + 8), SPEECH_TIMEOUT);

    const speech = randomUUID();
    const onsetAtMs = Date.now();
    vad(sessionId, 'voice_onset', speech);
    // Confirmed 140 ms later: 200 ms of voice, of which the VAD's 60 ms onset run came before the onset.
    await voiceFor(140);
    vad(sessionId, 'speech_started', speech);

    const interrupted = await tap.expectEventually(() => ended(tap, turnId, 'interrupted'));
    const published = framesOf(tap, turnId).length;
    expect(publishedBetween(tap, turnId, onsetAtMs + 50, Number.MAX_SAFE_INTEGER)).toEqual([]);
    // Paused longer than the 60 ms lead: the listener played every frame published.
    expect(interrupted.frames_played).toBe(published);
    expect(interrupted.heard_text).toBe([first, wordsEndingWithin(second, published - first.length)].filter((s) => s !== '').join(' '));
    expect(turnEvents(tap, turnId).map((e) => e.state)).toEqual(['speaking', 'interrupted']);

    // A later turn on the same session speaks normally: nothing of the hold is left.
    const nextTurn = randomUUID();
    streamReply(sessionId, nextTurn, 'Go ahead, I am listening.');
    const done = await tap.expectEventually(() => ended(tap, nextTurn, 'done'), SPEECH_TIMEOUT);
    expect(done.heard_text).toBe('Go ahead, I am listening.');
  });

  it('interrupts the turn playing when a new turn starts, before the new one speaks', async () => {
    const { sessionId, tap } = await openSession();
    const old = 'This old answer stalls half way through.';
    chatterbox.respondNext({ hangAfterBytes: WAV_HEADER_BYTES + 8 * AUDIO_OUT_FRAME_BYTES });
    const oldTurn = randomUUID();
    streamReply(sessionId, oldTurn, old);
    await tap.expectEventually(() => expect(framesOf(tap, oldTurn).length).toBeGreaterThanOrEqual(8), SPEECH_TIMEOUT);

    const newTurn = randomUUID();
    streamReply(sessionId, newTurn, 'A fresh answer instead.');
    await tap.expectEventually(() => ended(tap, newTurn, 'done'), SPEECH_TIMEOUT);

    const stalled = requestsFor(old)[0];
    await tap.expectEventually(() => expect(chatterbox.disconnects.map((e) => e.requestIndex)).toContain(stalled?.index));
    const interruptedAt = tap.records.findIndex((r) => r.stream === 'turn' && (r.json as TurnEvent).turn_id === oldTurn && (r.json as TurnEvent).state === 'interrupted');
    const newFirstFrameAt = tap.records.findIndex((r) => r.stream === 'audio.out' && r.headers[MediaHeaders.turnId] === newTurn);
    expect(interruptedAt).toBeGreaterThanOrEqual(0);
    expect(interruptedAt).toBeLessThan(newFirstFrameAt);
    expect(tap.records.slice(interruptedAt).some((r) => r.stream === 'audio.out' && r.headers[MediaHeaders.turnId] === oldTurn)).toBe(false);
    // No sentence finished yet, so the words heard are estimated from a default speaking rate: a prefix.
    expect(old.startsWith(ended(tap, oldTurn, 'interrupted').heard_text ?? '-')).toBe(true);
  });

  it('speaks an apology, never silence, when the reply fails upstream, then says done', async () => {
    const { sessionId, tap } = await openSession();
    const turnId = randomUUID();
    publishReply(sessionId, turnId, 'delta', 0, { text: 'Let me check that for' });
    publishReply(sessionId, turnId, 'error', 1, { error_code: 'unavailable', error_message: 'the LLM provider failed' });

    const done = await tap.expectEventually(() => ended(tap, turnId, 'done'), SPEECH_TIMEOUT);
    expect(done.heard_text).toBe(APOLOGY_TEXT);
    expect(framesOf(tap, turnId)).toHaveLength(APOLOGY_TEXT.length);
    expect(requestsFor(APOLOGY_TEXT).length).toBeGreaterThanOrEqual(1);
    expect(requestsFor('Let me check that for')).toEqual([]);
    // The speech itself worked: nothing to report about text-to-speech.
    expect(done.error_code).toBeUndefined();
  });

  it('still ends the turn with done when the provider fails, apologising with the offline engine when one is installed', async () => {
    const { sessionId, tap, claim } = await openSession();
    chatterbox.respondNext({ status: 503 });
    const turnId = randomUUID();
    streamReply(sessionId, turnId, 'This sentence meets a broken server.');

    const done = await tap.expectEventually(() => ended(tap, turnId, 'done'), SPEECH_TIMEOUT);
    // The user is told which provider failed, not only apologised to.
    expect(done).toMatchObject({ error_code: 'unavailable', error_message: expect.stringMatching(/^text-to-speech \(chatterbox\) failed: /) });
    const metrics = await metricsOfOwner(claim);
    expect(metrics).toMatch(/tts_provider_errors_total\{[^}]*provider="chatterbox"[^}]*code="unavailable"[^}]*\} [1-9]/);
    if (await detectLocalTtsEngine('auto')) {
      expect(done.heard_text).toBe(APOLOGY_TEXT);
      expect(framesOf(tap, turnId).length).toBeGreaterThan(10);
      expect(turnEvents(tap, turnId).map((e) => e.state)).toEqual(['speaking', 'done']);
    } else {
      console.warn('offline engine missing (apt-get install flite): the apology could not be spoken');
      expect(done).toMatchObject({ heard_text: '', frames_played: 0 });
    }
  });

  it('speaks no more for a session once it is released or ended, and unsubscribes from it', async () => {
    const released = await openSession();
    const endedByControl = await openSession();
    const active = await openSession();

    const replies = await bus.gather(sessionProtocol('tts').release.subject, { session_id: released.sessionId }, ReleaseReply, {
      maxWaitMs: 5_000,
      until: (answers) => answers.length === replicas.length,
    });
    expect(replies.map((r) => r.released).sort()).toEqual([false, true]);
    control(endedByControl.sessionId, { action: 'end', reason: 'call hung up' });

    streamReply(released.sessionId, randomUUID(), 'Nobody should say this.');
    streamReply(endedByControl.sessionId, randomUUID(), 'Nor should anybody say this.');
    // Published after the others on the same connection: once it is spoken, they were seen and ignored.
    const sentinel = randomUUID();
    streamReply(active.sessionId, sentinel, 'Somebody says this.');
    await active.tap.expectEventually(() => ended(active.tap, sentinel, 'done'), SPEECH_TIMEOUT);

    expect(released.tap.on('audio.out')).toEqual([]);
    expect(endedByControl.tap.on('audio.out')).toEqual([]);
    expect(requestsFor('Nobody should say this.')).toEqual([]);
    expect(requestsFor('Nor should anybody say this.')).toEqual([]);
    // Released sessions can be claimed afresh.
    const again = await bus.requestJson<SessionClaimReply>(sessionProtocol('tts').claim.subject, { session_id: released.sessionId, agent_id: agentId });
    expect(again.taken).toBe(true);
  });

  it('gives a session to one replica: every claim names the same owner and only the owner speaks', async () => {
    const { sessionId, tap, claim } = await openSession();
    const heartbeats = await Promise.all(
      Array.from({ length: 8 }, () => bus.requestJson<SessionClaimReply>(sessionProtocol('tts').claim.subject, { session_id: sessionId, agent_id: agentId })),
    );
    expect(new Set([claim, ...heartbeats].map((r) => r.owner_instance_id)).size).toBe(1);
    expect(heartbeats.every((r) => !r.taken)).toBe(true);

    const turnId = randomUUID();
    const text = 'Only one voice answers here.';
    streamReply(sessionId, turnId, text);
    const done = await tap.expectEventually(() => ended(tap, turnId, 'done'), SPEECH_TIMEOUT);
    expect(done.heard_text).toBe(text);
    expect(framesOf(tap, turnId).map((f) => Number(f.headers[MediaHeaders.sequence]))).toEqual(Array.from({ length: text.length }, (_, i) => i));
    expect(turnEvents(tap, turnId).map((e) => e.state)).toEqual(['speaking', 'done']);
    expect(requestsFor(text)).toHaveLength(1);
  });

  it('drops and counts bad reply messages without harm, and refuses a claim for an unknown agent', async () => {
    const { sessionId, tap, claim } = await openSession();
    bus.publishJson(mediaSubject(sessionId, 'reply'), { session_id: sessionId, kind: 'delta', seq: 0, text: 'no turn id' });
    bus.publishJson(mediaSubject(sessionId, 'reply'), { session_id: randomUUID(), turn_id: randomUUID(), kind: 'delta', seq: 0, text: 'elsewhere' });
    const turnId = randomUUID();
    streamReply(sessionId, turnId, 'Still speaking fine.');
    await tap.expectEventually(() => ended(tap, turnId, 'done'), SPEECH_TIMEOUT);

    const metrics = await metricsOfOwner(claim);
    expect(metrics).toMatch(/tts_bad_input_total\{[^}]*stream="reply"[^}]*reason="invalid"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/tts_bad_input_total\{[^}]*stream="reply"[^}]*reason="wrong_session"[^}]*\} [1-9]/);

    const refused = await bus
      .requestJson(sessionProtocol('tts').claim.subject, { session_id: randomUUID(), agent_id: randomUUID() })
      .then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(BusRemoteError);
    expect(refused).toMatchObject({ code: ErrorCode.NotFound });
  });
});
