import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIO_IN_SAMPLE_RATE_HZ, bytesOf, decodeWav, FRAME_DURATION_MS, frameSamples, resample } from '@voxbridge/audio';
import { Bus } from '@voxbridge/bus';
import {
  ErrorCode,
  mediaSubject,
  sessionProtocol,
  streamName,
  type AgentDto,
  type ControlEvent,
  type SessionClaimReply,
  type TranscriptEvent,
  type VadEvent,
} from '@voxbridge/contracts';
import { bootService, FakeAgentDirectory, remoteFailure, type RunningService } from '@voxbridge/service-testing';
import {
  expectEventually,
  FakeOpenAiTranscriptionServer,
  FakeWhisperXServer,
  SubjectTap,
  testInfra,
  uniqueNamespace,
} from '@voxbridge/testing';
import { AppModule } from '../src/app.module';
import { SttGatewayEnv } from '../src/config/stt-gateway.env';

/**
 * stt-gateway on the real bus: booted in-process on real NATS (JetStream KV leases), a fake
 * agent-api answering `agents.v1.agent.get` in agent-api's queue group, and the WhisperX /
 * OpenAI-compatible fakes speaking their real protocols. Frames go out faster than real time with
 * synthetic capture times; pocketsphinx runs for real when it and flite are installed.
 */

const definition = { service: 'stt-gateway' as const, env: SttGatewayEnv, module: AppModule.register.bind(AppModule) };
const LEASE_MS = 3_000;
const SAMPLES = frameSamples(AUDIO_IN_SAMPLE_RATE_HZ);

/** A gateway's microphone: 20 ms frames on `audio.in` with sequence numbers and capture times. */
class Microphone {
  private seq = 0;
  private seed = 7;
  private phase = 0;
  /** Capture time of the next frame. */
  nowMs = Date.now();
  /** Capture time of each tone's first and last frame. */
  readonly tones: { firstMs: number; lastMs: number }[] = [];

  constructor(
    private readonly bus: Bus,
    readonly sessionId: string,
  ) {}

  quiet(ms: number): this {
    for (let t = 0; t < ms; t += FRAME_DURATION_MS) this.send(this.frame(0));
    return this;
  }

  tone(ms: number): this {
    const firstMs = this.nowMs;
    for (let t = 0; t < ms; t += FRAME_DURATION_MS) this.send(this.frame(8_000));
    this.tones.push({ firstMs, lastMs: this.nowMs - FRAME_DURATION_MS });
    return this;
  }

  /** Any audio, cut into 20 ms frames (the tail padded with silence). */
  samples(audio: Int16Array): this {
    for (let offset = 0; offset < audio.length; offset += SAMPLES) {
      const frame = new Int16Array(SAMPLES);
      frame.set(audio.subarray(offset, offset + SAMPLES));
      this.send(bytesOf(frame));
    }
    return this;
  }

  /** A payload of any size, as a broken gateway would send it. */
  raw(payload: Uint8Array): this {
    this.bus.publishFrame(mediaSubject(this.sessionId, 'audio.in'), payload, { seq: this.seq++, timestampMs: this.nowMs });
    return this;
  }

  private send(payload: Uint8Array): void {
    this.bus.publishFrame(mediaSubject(this.sessionId, 'audio.in'), payload, { seq: this.seq++, timestampMs: this.nowMs });
    this.nowMs += FRAME_DURATION_MS;
  }

  /** Quiet noise (±30) plus a 300 Hz tone of `amplitude`. */
  private frame(amplitude: number): Uint8Array {
    const out = new Int16Array(SAMPLES);
    for (let i = 0; i < SAMPLES; i++) {
      this.seed = (this.seed * 1_103_515_245 + 12_345) & 0x7fffffff;
      const noise = ((this.seed / 0x7fffffff) * 2 - 1) * 30;
      this.phase += (2 * Math.PI * 300) / AUDIO_IN_SAMPLE_RATE_HZ;
      out[i] = Math.round(noise + amplitude * Math.sin(this.phase));
    }
    return bytesOf(out);
  }
}

const vadOf = (tap: SubjectTap) => tap.on('vad').map((r) => r.json as VadEvent);
const transcriptsOf = (tap: SubjectTap, kind?: TranscriptEvent['kind']) =>
  tap
    .on('transcript')
    .map((r) => r.json as TranscriptEvent)
    .filter((t) => kind === undefined || t.kind === kind);

describe('stt-gateway pipeline', () => {
  const infra = testInfra();
  const namespace = uniqueNamespace();
  let directory: FakeAgentDirectory;
  const heartbeats: NodeJS.Timeout[] = [];
  const heartbeatFailures: unknown[] = [];
  const taps: SubjectTap[] = [];
  const replicas: RunningService[] = [];
  let whisperx: FakeWhisperXServer;
  let openai: FakeOpenAiTranscriptionServer;
  let bus: Bus;
  let primary: RunningService;

  const env = () => ({
    NATS_URL: infra.natsUrl,
    VOXBRIDGE_NAMESPACE: namespace,
    STT_LEASE_MS: String(LEASE_MS),
    WHISPERX_URL: whisperx.url,
    STT_OPENAI_BASE_URL: openai.baseUrl,
    STT_OPENAI_MODEL: 'whisper-1',
    STT_OPENAI_API_KEY: 'test-key',
  });

  function agent(overrides: Partial<AgentDto> = {}): AgentDto {
    return directory.add({ stt_provider: 'openai_compatible', silence_ms: 400, max_utterance_ms: 15_000, timezone: 'UTC', ...overrides });
  }

  const claim = (sessionId: string, agentId: string) =>
    bus.requestJson<SessionClaimReply>(sessionProtocol('stt').claim.subject, { session_id: sessionId, agent_id: agentId });

  /** The gateway's heartbeat: the claim again every lease/3 until the test ends. */
  function keepClaimed(sessionId: string, agentId: string, onBeat?: (reply: SessionClaimReply) => void): () => void {
    const timer = setInterval(() => {
      claim(sessionId, agentId).then(onBeat, (error: unknown) => heartbeatFailures.push(error));
    }, LEASE_MS / 3);
    heartbeats.push(timer);
    return () => clearInterval(timer);
  }

  /** A claimed session (kept alive until `stopHeartbeat` or the test's end), its tap and its microphone. */
  async function session(forAgent: AgentDto) {
    const sessionId = randomUUID();
    const tap = await SubjectTap.start(infra.natsUrl, namespace, sessionId);
    taps.push(tap);
    const reply = await claim(sessionId, forAgent.id);
    expect(reply.taken).toBe(true);
    const stopHeartbeat = keepClaimed(sessionId, forAgent.id);
    return { sessionId, tap, mic: new Microphone(bus, sessionId), reply, stopHeartbeat };
  }

  async function metrics(service: RunningService = primary): Promise<string> {
    return (await fetch(`${service.baseUrl}/metrics`)).text();
  }

  function metricValue(text: string, name: string, label: string): number {
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  }

  beforeAll(async () => {
    whisperx = await FakeWhisperXServer.start({ transcripts: ['turn on the lights'], partialEveryMs: 200 });
    openai = await FakeOpenAiTranscriptionServer.start({ transcripts: ['turn on the kitchen lights'] });
    bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'stt-pipeline-test' });
    directory = new FakeAgentDirectory(bus);
    primary = await bootService(definition, env());
    replicas.push(primary);
  });

  afterEach(async () => {
    heartbeats.splice(0).forEach((timer) => clearInterval(timer));
    await Promise.all(taps.splice(0).map((tap) => tap.stop()));
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    const jsm = await bus?.connection.jetstreamManager();
    await jsm?.streams.delete(`KV_${streamName(namespace, 'leases-stt')}`);
    await bus?.drain();
    await whisperx?.stop();
    await openai?.stop();
    expect(heartbeatFailures).toEqual([]);
  });

  it('takes a session once; a repeated claim renews it and names the same owner', async () => {
    const sessionId = randomUUID();
    const { id } = agent();
    const first = await claim(sessionId, id);
    const again = await claim(sessionId, id);
    expect(first).toEqual({ session_id: sessionId, owner_instance_id: expect.any(String), lease_ms: LEASE_MS, taken: true });
    expect(again).toEqual({ ...first, taken: false });
    await bus.requestJson(sessionProtocol('stt').release.subject, { session_id: sessionId });
  });

  it('turns a tone utterance into vad started/stopped and a final transcript with its timing marks', async () => {
    const forAgent = agent({ silence_ms: 400 });
    const { sessionId, tap, mic } = await session(forAgent);
    const requestsBefore = openai.requests.length;
    mic.quiet(500).tone(600).quiet(600);
    const [tone] = mic.tones;

    const [final] = await tap.expectEventually(() => {
      const finals = transcriptsOf(tap, 'final');
      expect(finals).toHaveLength(1);
      return finals;
    });
    const vad = vadOf(tap);
    // Tentative onset first (after the VAD's 60 ms onset run), confirmed as the same utterance after 200 ms.
    expect(vad.map((v) => v.kind)).toEqual(['voice_onset', 'speech_started', 'speech_stopped']);
    expect(vad[0]).toEqual({ session_id: sessionId, kind: 'voice_onset', utterance_id: final?.utterance_id, at_ms: tone?.firstMs });
    expect(vad[1]).toEqual({ session_id: sessionId, kind: 'speech_started', utterance_id: final?.utterance_id, at_ms: tone?.firstMs });
    expect(Math.abs((vad[2]?.at_ms ?? 0) - (tone?.lastMs ?? 0))).toBeLessThanOrEqual(20);
    expect(final).toMatchObject({ session_id: sessionId, kind: 'final', text: 'turn on the kitchen lights', provider: 'openai-compatible' });
    expect(Math.abs((final?.speech_end_at_ms ?? 0) - (tone?.lastMs ?? 0))).toBeLessThanOrEqual(20);
    expect(final?.end_of_turn_silence_ms).toBe(400);
    expect(final?.stt_latency_ms).toBeGreaterThanOrEqual(0);
    expect(final?.final_at_ms).toBeGreaterThanOrEqual(final?.stt_latency_ms ?? 0);
    // One request, with the utterance from a little before its first voiced frame.
    expect(openai.requests.slice(requestsBefore)).toHaveLength(1);
    expect(openai.requests.at(-1)?.file?.durationMs).toBeGreaterThanOrEqual(600);
    expect(openai.requests.at(-1)?.fields).toMatchObject({ model: 'whisper-1', language: 'en' });

    const text = await metrics();
    expect(metricValue(text, 'stt_latency_ms_count', `agent="${forAgent.id}"`)).toBe(1);
  });

  it('streams WhisperX partials, and ends the turn by the clock when the frames stop', async () => {
    const { tap, mic } = await session(agent({ stt_provider: 'whisperx', silence_ms: 800 }));
    mic.quiet(300).tone(1_000); // and then nothing: the gateway stopped sending

    const [final] = await tap.expectEventually(() => {
      const finals = transcriptsOf(tap, 'final');
      expect(finals).toHaveLength(1);
      return finals;
    });
    const partials = transcriptsOf(tap, 'partial');
    expect(partials.length).toBeGreaterThan(0);
    expect(partials.every((p) => p.utterance_id === final?.utterance_id)).toBe(true);
    expect(partials[0]?.text).toBe('turn');
    expect(final).toMatchObject({ text: 'turn on the lights', provider: 'whisperx', end_of_turn_silence_ms: 800 });
    expect(Math.abs((final?.speech_end_at_ms ?? 0) - (mic.tones[0]?.lastMs ?? 0))).toBeLessThanOrEqual(20);
  });

  it('resolves stt_provider auto to WhisperX when WHISPERX_URL is set, and names WhisperX on the transcript', async () => {
    const { tap, mic } = await session(agent({ stt_provider: 'auto' }));
    mic.quiet(300).tone(600).quiet(600);

    const [final] = await tap.expectEventually(() => {
      const finals = transcriptsOf(tap, 'final');
      expect(finals).toHaveLength(1);
      return finals;
    });
    expect(final).toMatchObject({ text: 'turn on the lights', provider: 'whisperx' });
  });

  it('starts nothing on a 120 ms burst: its voice_onset is followed by voice_dismissed, never speech_started', async () => {
    const { tap, mic } = await session(agent());
    mic.quiet(500).tone(120).quiet(800).tone(600).quiet(600); // the second tone is the sentinel

    const [final] = await tap.expectEventually(() => {
      const finals = transcriptsOf(tap, 'final');
      expect(finals).toHaveLength(1);
      return finals;
    });
    const vad = vadOf(tap);
    expect(vad.map((v) => v.kind)).toEqual(['voice_onset', 'voice_dismissed', 'voice_onset', 'speech_started', 'speech_stopped']);
    const [burst, dismissed, onset, started] = vad;
    expect(burst).toMatchObject({ at_ms: mic.tones[0]?.firstMs });
    expect(dismissed?.utterance_id).toBe(burst?.utterance_id);
    expect(Math.abs((dismissed?.at_ms ?? 0) - ((mic.tones[0]?.lastMs ?? 0) + 20))).toBeLessThanOrEqual(20);
    expect(started).toMatchObject({ utterance_id: onset?.utterance_id, at_ms: mic.tones[1]?.firstMs });
    expect(final?.utterance_id).toBe(onset?.utterance_id);
    expect(burst?.utterance_id).not.toBe(onset?.utterance_id);
  });

  it('dismisses an onset by the clock when the frames stop in the middle of it (Discord sends none in silence)', async () => {
    const forAgent = agent();
    const { tap, mic } = await session(forAgent);
    mic.quiet(500).tone(100); // and then nothing

    await tap.expectEventually(() => expect(vadOf(tap).map((v) => v.kind)).toEqual(['voice_onset', 'voice_dismissed']));
    const [onset, dismissed] = vadOf(tap);
    expect(dismissed?.utterance_id).toBe(onset?.utterance_id);
    expect(transcriptsOf(tap)).toEqual([]);
    const text = await metrics();
    expect(metricValue(text, 'stt_vad_events_total', 'kind="voice_dismissed"')).toBeGreaterThanOrEqual(1);
  });

  it('drops and counts frames of the wrong size, and keeps listening', async () => {
    const { tap, mic } = await session(agent());
    const before = metricValue(await metrics(), 'stt_frames_dropped_total', 'reason="wrong_size"');
    mic.quiet(200).raw(new Uint8Array(100)).raw(new Uint8Array(1_280)).tone(400).quiet(600);

    await tap.expectEventually(() => expect(transcriptsOf(tap, 'final')).toHaveLength(1));
    expect(metricValue(await metrics(), 'stt_frames_dropped_total', 'reason="wrong_size"')).toBe(before + 2);
  });

  it('refuses an invalid claim and a claim for an unknown agent, taking nothing', async () => {
    const invalid = await remoteFailure(bus.requestJson(sessionProtocol('stt').claim.subject, { session_id: 'a.b', agent_id: randomUUID() }));
    expect(invalid.code).toBe(ErrorCode.ValidationFailed);

    const sessionId = randomUUID();
    const unknown = await remoteFailure(claim(sessionId, randomUUID()));
    expect(unknown).toMatchObject({ code: ErrorCode.NotFound, message: expect.stringContaining('not found') });
    // Nothing was held: the next claim with a real agent takes the session.
    expect((await claim(sessionId, agent().id)).taken).toBe(true);
    await bus.requestJson(sessionProtocol('stt').release.subject, { session_id: sessionId });
    expect(metricValue(await metrics(), 'stt_messages_rejected_total', 'reason="agent_not_found"')).toBe(1);
  });

  it('reports a provider that is down as a transcript error naming it and how to configure it, then recovers', async () => {
    const { tap, mic } = await session(agent({ stt_provider: 'whisperx' }));
    whisperx.refuseConnections(1);
    mic.quiet(300).tone(400).quiet(600);

    const [error] = await tap.expectEventually(() => {
      const errors = transcriptsOf(tap, 'error');
      expect(errors).toHaveLength(1);
      return errors;
    });
    expect(error).toMatchObject({ kind: 'error', provider: 'whisperx', error_code: 'stt_unavailable', text: '' });
    expect(error?.error_message).toMatch(/whisperx/);
    expect(error?.error_message).toMatch(/WHISPERX_URL/);
    expect(error?.utterance_id).toBe(vadOf(tap).find((v) => v.kind === 'speech_started')?.utterance_id);

    mic.tone(400).quiet(600);
    await tap.expectEventually(() => expect(transcriptsOf(tap, 'final').map((t) => t.text)).toEqual(['turn on the lights']));
  });

  it('reports an agent whose stt_provider is unknown, on every utterance', async () => {
    const { tap, mic } = await session(agent({ stt_provider: 'deepgram' }));
    mic.quiet(300).tone(400).quiet(600).tone(400).quiet(600);

    const errors = await tap.expectEventually(() => {
      const found = transcriptsOf(tap, 'error');
      expect(found).toHaveLength(2);
      return found;
    });
    expect(errors[0]?.error_message).toMatch(/deepgram.*whisperx, openai_compatible, local/);
  });

  it('stops listening on release: frames after it produce nothing, while another session carries on', async () => {
    const released = await session(agent());
    const sentinel = await session(agent());
    expect(await bus.requestJson(sessionProtocol('stt').release.subject, { session_id: released.sessionId })).toEqual({
      session_id: released.sessionId,
      released: true,
    });
    released.stopHeartbeat(); // the gateway stops claiming it too

    // Both get the same utterance; the sentinel's final proves the released one had its chance.
    for (const mic of [released.mic, sentinel.mic]) mic.quiet(300).tone(400).quiet(600);
    await sentinel.tap.expectEventually(() => expect(transcriptsOf(sentinel.tap, 'final')).toHaveLength(1));
    expect(released.tap.records.filter((r) => r.stream !== 'audio.in')).toEqual([]);
  });

  it('stops listening on control end, and the session can be taken again', async () => {
    const forAgent = agent();
    const { sessionId, mic, tap, stopHeartbeat } = await session(forAgent);
    stopHeartbeat();
    const end: ControlEvent = { session_id: sessionId, action: 'end', reason: 'hangup' };
    bus.publishJson(mediaSubject(sessionId, 'control'), end);

    await expectEventually(async () => expect((await claim(sessionId, forAgent.id)).taken).toBe(true));
    mic.quiet(300).tone(400).quiet(600);
    await tap.expectEventually(() => expect(transcriptsOf(tap, 'final')).toHaveLength(1));
    await bus.requestJson(sessionProtocol('stt').release.subject, { session_id: sessionId });
  });

  it('lets a session go when the gateway stops claiming it for a lease', async () => {
    const forAgent = agent();
    const lapsing = await session(forAgent);
    lapsing.stopHeartbeat();
    const kv = await bus.connection.jetstream().views.kv(streamName(namespace, 'leases-stt'));
    await expectEventually(
      async () => {
        const entry = await kv.get(lapsing.sessionId);
        expect(entry === null || entry.operation !== 'PUT').toBe(true);
      },
      { timeoutMs: 4 * LEASE_MS, intervalMs: 200 },
    );

    const sentinel = await session(forAgent);
    for (const mic of [lapsing.mic, sentinel.mic]) mic.quiet(300).tone(400).quiet(600);
    await sentinel.tap.expectEventually(() => expect(transcriptsOf(sentinel.tap, 'final')).toHaveLength(1));
    expect(lapsing.tap.records.filter((r) => r.stream !== 'audio.in')).toEqual([]);
  });

  describe('with a second replica', () => {
    beforeAll(async () => {
      replicas.push(await bootService(definition, env()));
    });

    it('gives a session to one replica only, which keeps it through heartbeats that reach either replica', async () => {
      const forAgent = agent();
      const sessionId = randomUUID();
      const tap = await SubjectTap.start(infra.natsUrl, namespace, sessionId);
      taps.push(tap);
      const replies: SessionClaimReply[] = [];
      for (let i = 0; i < 8; i++) replies.push(await claim(sessionId, forAgent.id));
      expect(replies.filter((r) => r.taken)).toHaveLength(1);
      expect(new Set(replies.map((r) => r.owner_instance_id)).size).toBe(1);

      const beats: SessionClaimReply[] = [];
      keepClaimed(sessionId, forAgent.id, (reply) => beats.push(reply));
      const mic = new Microphone(bus, sessionId);
      mic.quiet(300).tone(400).quiet(600);
      await tap.expectEventually(() => expect(transcriptsOf(tap, 'final')).toHaveLength(1));

      // Two whole leases of heartbeats spread over both replicas: the owner must still hold it.
      await expectEventually(() => expect(beats.length).toBeGreaterThanOrEqual(9), { timeoutMs: 5 * LEASE_MS, intervalMs: 100 });
      expect(beats.map((r) => [r.owner_instance_id, r.taken])).toEqual(beats.map(() => [replies[0]?.owner_instance_id, false]));
      mic.nowMs = Date.now();
      mic.quiet(300).tone(400).quiet(600);
      await tap.expectEventually(() => expect(transcriptsOf(tap, 'final')).toHaveLength(2));
      expect(vadOf(tap).map((v) => v.kind)).toEqual(['voice_onset', 'speech_started', 'speech_stopped', 'voice_onset', 'speech_started', 'speech_stopped']);
      expect(new Set(transcriptsOf(tap, 'final').map((t) => t.utterance_id)).size).toBe(2);
    });
  });

  const ENGINES = ['flite', 'pocketsphinx_continuous'];
  const missing = ENGINES.filter((binary) => spawnSync('sh', ['-c', `command -v ${binary}`]).status !== 0);
  const itWithEngines = missing.length === 0 ? it : it.skip;

  itWithEngines(`hears a flite sentence through the local provider (skipped without ${ENGINES.join(' / ')})`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vb-stt-pipeline-'));
    try {
      const file = join(dir, 'speech.wav');
      const result = spawnSync('flite', ['-voice', 'slt', '-t', 'turn on the kitchen lights', '-o', file]);
      if (result.status !== 0) throw new Error(`flite failed: ${result.stderr.toString()}`);
      const { format, samples } = decodeWav(new Uint8Array(await readFile(file)));
      const { tap, mic } = await session(agent({ stt_provider: 'local', silence_ms: 600 }));
      mic.quiet(500).samples(resample(samples, format.sampleRateHz, AUDIO_IN_SAMPLE_RATE_HZ)).quiet(900);

      const [final] = await tap.expectEventually(
        () => {
          const finals = transcriptsOf(tap, 'final');
          expect(finals).toHaveLength(1);
          return finals;
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      expect(final?.provider).toBe('pocketsphinx');
      expect(final?.text.split(/\s+/)).toEqual(expect.arrayContaining(['turn', 'kitchen', 'lights']));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
