import { randomUUID } from 'node:crypto';
import { AUDIO_IN_SAMPLE_RATE_HZ, bytesOf, FRAME_DURATION_MS, frameSamples } from '@voxbridge/audio';
import { Bus, type FrameMeta } from '@voxbridge/bus';
import {
  mediaSubject,
  SESSIONS_STREAM_SUBJECTS,
  sessionProtocol,
  streamName,
  TurnFactSubjects,
  TurnTranscribedFact,
  type AgentDto,
  type SessionClaimReply,
  type TranscriptEvent,
  type VadEvent,
} from '@voxbridge/contracts';
import { bootService, FakeAgentDirectory, type RunningService } from '@voxbridge/service-testing';
import { expectEventually, FakeOpenAiTranscriptionServer, SubjectTap, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { AppModule } from '../src/app.module';
import { SttGatewayEnv } from '../src/config/stt-gateway.env';

/**
 * Several people in one session (a Discord channel): frames of each speaker carry `Vb-Speaker-Id`
 * (and a percent-encoded `Vb-Speaker-Name`), each speaker on its own capture clock and `Vb-Seq`,
 * interleaved on one `audio.in`. Real NATS, stt-gateway booted in-process, the fake
 * OpenAI-compatible transcription server for the provider.
 */

const definition = { service: 'stt-gateway' as const, env: SttGatewayEnv, module: AppModule.register.bind(AppModule) };
const LEASE_MS = 3_000;
const MAX_SPEAKERS = 3;
const IDLE_MS = 1_000;
const SAMPLES = frameSamples(AUDIO_IN_SAMPLE_RATE_HZ);

/** One speaker's microphone: its frames (not yet sent), on its own clock. */
class SpeakerMic {
  private seq = 0;
  private phase = 0;
  readonly frames: { payload: Uint8Array; meta: FrameMeta }[] = [];
  readonly tones: { firstMs: number; lastMs: number }[] = [];

  constructor(
    readonly id: string,
    readonly name: string,
    /** Capture time of the next frame: each speaker's clock starts elsewhere. */
    public nowMs: number,
  ) {}

  quiet(ms: number): this {
    for (let t = 0; t < ms; t += FRAME_DURATION_MS) this.push(this.frame(0));
    return this;
  }

  tone(ms: number): this {
    const firstMs = this.nowMs;
    for (let t = 0; t < ms; t += FRAME_DURATION_MS) this.push(this.frame(8_000));
    this.tones.push({ firstMs, lastMs: this.nowMs - FRAME_DURATION_MS });
    return this;
  }

  /** Frames missing (lost packets, a speaker who stopped sending): the clock moves on. */
  gap(ms: number): this {
    this.nowMs += ms;
    return this;
  }

  private push(payload: Uint8Array): void {
    this.frames.push({ payload, meta: { seq: this.seq++, timestampMs: this.nowMs, speakerId: this.id, speakerName: this.name } });
    this.nowMs += FRAME_DURATION_MS;
  }

  private frame(amplitude: number): Uint8Array {
    const out = new Int16Array(SAMPLES);
    for (let i = 0; i < SAMPLES; i++) {
      this.phase += (2 * Math.PI * 300) / AUDIO_IN_SAMPLE_RATE_HZ;
      out[i] = Math.round(amplitude * Math.sin(this.phase));
    }
    return bytesOf(out);
  }
}

/** Rounds (one frame of each speaker) sent at once; then the sender waits their duration. */
const ROUNDS_PER_BATCH = 5;

/**
 * Sends the speakers' frames interleaved, one frame of each in turn, as a channel's receive loop
 * would, at the pace they were captured: a burst far faster than real time would make a busy
 * gateway's stall timer count its own backlog as silence.
 */
async function sendInterleaved(bus: Bus, sessionId: string, mics: SpeakerMic[]): Promise<void> {
  const longest = Math.max(...mics.map((mic) => mic.frames.length));
  const startedAtMs = Date.now();
  for (let i = 0; i < longest; i++) {
    for (const mic of mics) {
      const frame = mic.frames[i];
      if (frame) bus.publishFrame(mediaSubject(sessionId, 'audio.in'), frame.payload, frame.meta);
    }
    if ((i + 1) % ROUNDS_PER_BATCH === 0) {
      const dueMs = startedAtMs + (i + 1) * FRAME_DURATION_MS;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueMs - Date.now())));
    }
  }
}

const vadOf = (tap: SubjectTap) => tap.on('vad').map((r) => r.json as VadEvent);
const transcriptsOf = (tap: SubjectTap, kind: TranscriptEvent['kind']) =>
  tap
    .on('transcript')
    .map((r) => r.json as TranscriptEvent)
    .filter((t) => t.kind === kind);

describe('stt-gateway with several speakers in one session', () => {
  const infra = testInfra();
  const namespace = uniqueNamespace();
  const heartbeats: NodeJS.Timeout[] = [];
  const taps: SubjectTap[] = [];
  const facts: TurnTranscribedFact[] = [];
  let directory: FakeAgentDirectory;
  let openai: FakeOpenAiTranscriptionServer;
  let bus: Bus;
  let sut: RunningService;

  const claim = (sessionId: string, agentId: string) =>
    bus.requestJson<SessionClaimReply>(sessionProtocol('stt').claim.subject, { session_id: sessionId, agent_id: agentId });

  async function session(): Promise<{ sessionId: string; tap: SubjectTap }> {
    const agent: AgentDto = directory.add({ stt_provider: 'openai_compatible', silence_ms: 400, max_utterance_ms: 15_000, timezone: 'UTC' });
    const sessionId = randomUUID();
    const tap = await SubjectTap.start(infra.natsUrl, namespace, sessionId);
    taps.push(tap);
    expect((await claim(sessionId, agent.id)).taken).toBe(true);
    heartbeats.push(setInterval(() => void claim(sessionId, agent.id).catch(() => undefined), LEASE_MS / 3));
    return { sessionId, tap };
  }

  async function speakersActive(): Promise<number> {
    const text = await (await fetch(`${sut.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => /^stt_speakers_active[ {]/.test(l));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : Number.NaN;
  }

  beforeAll(async () => {
    openai = await FakeOpenAiTranscriptionServer.start({ transcripts: ['hello there'] });
    bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'stt-speakers-test' });
    directory = new FakeAgentDirectory(bus);
    // The durable fact is also an ordinary NATS message on its subject: listen to it directly (the
    // stream exists first, so the fact is acknowledged by JetStream, not left waiting on this listener).
    await bus.ensureStream('sessions', [...SESSIONS_STREAM_SUBJECTS]);
    bus.subscribeJson(TurnFactSubjects.transcribed, TurnTranscribedFact, (fact) => void facts.push(fact));
    sut = await bootService(definition, {
      NATS_URL: infra.natsUrl,
      VOXBRIDGE_NAMESPACE: namespace,
      STT_LEASE_MS: String(LEASE_MS),
      STT_OPENAI_BASE_URL: openai.baseUrl,
      STT_OPENAI_MODEL: 'whisper-1',
      STT_MAX_SPEAKERS_PER_SESSION: String(MAX_SPEAKERS),
      STT_SPEAKER_IDLE_MS: String(IDLE_MS),
    });
  });

  afterEach(async () => {
    heartbeats.splice(0).forEach((timer) => clearInterval(timer));
    await Promise.all(taps.splice(0).map((tap) => tap.stop()));
  });

  afterAll(async () => {
    await sut?.close();
    const jsm = await bus?.connection.jetstreamManager();
    await jsm?.streams.delete(`KV_${streamName(namespace, 'leases-stt')}`).catch(() => undefined);
    await jsm?.streams.delete(streamName(namespace, 'sessions')).catch(() => undefined);
    await bus?.drain();
    await openai?.stop();
  });

  it('keeps voice detection, end of turn and transcription per speaker: one final per utterance, each attributed to its speaker', async () => {
    const { sessionId, tap } = await session();
    // Three people, overlapping: Bob starts while Alice still speaks, Carol while Bob does; Bob's
    // frames have a 200 ms hole (lost packets) mid-utterance, and Alice speaks twice.
    const alice = new SpeakerMic('80351110224678912', 'Alice', 1_000_000).quiet(200).tone(600).quiet(900).tone(400).quiet(700);
    const bob = new SpeakerMic('80351110224678913', 'Bob “the builder” ✓', 5_000_000).quiet(500).tone(400).gap(200).tone(400).quiet(1_400);
    const carol = new SpeakerMic('80351110224678914', 'Carol', 9_000_000).quiet(900).tone(700).quiet(1_100);
    await sendInterleaved(bus, sessionId, [alice, bob, carol]);

    const finals = await tap.expectEventually(() => {
      const all = transcriptsOf(tap, 'final');
      expect(all).toHaveLength(4);
      return all;
    });
    const started = vadOf(tap).filter((v) => v.kind === 'speech_started');
    expect(started).toHaveLength(4);
    // Each final names the speaker whose frames its utterance came from: its speech started on that
    // speaker's clock, at the first frame of one of that speaker's tones.
    const expected = new Map([
      [alice.id, { name: 'Alice', starts: alice.tones.map((t) => t.firstMs) }],
      [bob.id, { name: bob.name, starts: bob.tones.slice(0, 1).map((t) => t.firstMs) }],
      [carol.id, { name: 'Carol', starts: carol.tones.map((t) => t.firstMs) }],
    ]);
    for (const final of finals) {
      const start = started.find((v) => v.utterance_id === final.utterance_id);
      const speaker = expected.get(final.speaker_id ?? '');
      expect(final).toMatchObject({ session_id: sessionId, text: 'hello there', speaker_name: speaker?.name, speaker: speaker?.name });
      expect(start).toMatchObject({ speaker_id: final.speaker_id, speaker_name: speaker?.name });
      expect(speaker?.starts).toContain(start?.at_ms);
    }
    expect(finals.map((f) => f.speaker_id).sort()).toEqual([alice.id, alice.id, bob.id, carol.id].sort());
    // Bob's lost packets were silence inside one utterance, not two utterances.
    expect(new Set(finals.map((f) => f.utterance_id)).size).toBe(4);
    // Every vad event of a named speaker carries the speaker.
    expect(vadOf(tap).every((v) => expected.has(v.speaker_id ?? ''))).toBe(true);

    // The durable fact of each turn names its speaker too (turn id = utterance id).
    await expectEventually(() => {
      const mine = facts.filter((f) => f.session_id === sessionId);
      expect(mine.map((f) => [f.turn_id, f.speaker_id, f.speaker_name]).sort()).toEqual(
        finals.map((f) => [f.utterance_id, f.speaker_id, f.speaker_name]).sort(),
      );
    });
  });

  it('refuses a speaker beyond the session bound with one error event, and takes new speakers once an idle one is closed', async () => {
    const { sessionId, tap } = await session();
    const first = [1, 2, 3].map((n) => new SpeakerMic(`user-${n}`, `User ${n}`, n * 1_000_000).quiet(100));
    await sendInterleaved(bus, sessionId, first);
    await expectEventually(async () => expect(await speakersActive()).toBeGreaterThanOrEqual(MAX_SPEAKERS));

    const fourth = new SpeakerMic('user-4', 'Dora', 0).quiet(100).tone(400).quiet(600);
    await sendInterleaved(bus, sessionId, [fourth]);
    const [refused] = await tap.expectEventually(() => {
      const errors = transcriptsOf(tap, 'error');
      expect(errors).toHaveLength(1);
      return errors;
    });
    expect(refused).toMatchObject({ error_code: 'stt_too_many_speakers', speaker_id: 'user-4', speaker_name: 'Dora' });
    expect(vadOf(tap).filter((v) => v.speaker_id === 'user-4')).toEqual([]);

    // The three fall silent (no frames at all): after STT_SPEAKER_IDLE_MS they are closed, and Dora is heard.
    await expectEventually(async () => expect(await speakersActive()).toBe(0), { timeoutMs: 10_000 });
    const again = new SpeakerMic('user-4', 'Dora', 100_000).quiet(100).tone(400).quiet(600);
    await sendInterleaved(bus, sessionId, [again]);
    const [final] = await tap.expectEventually(() => {
      const all = transcriptsOf(tap, 'final');
      expect(all).toHaveLength(1);
      return all;
    });
    expect(final).toMatchObject({ speaker_id: 'user-4', speaker_name: 'Dora' });
    expect(transcriptsOf(tap, 'error')).toHaveLength(1);
  });
});
