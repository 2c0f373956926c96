import { Bus } from '@voxbridge/bus';
import {
  AUDIO_IN_FRAME_BYTES,
  AUDIO_IN_SAMPLE_RATE_HZ,
  AUDIO_OUT_FRAME_BYTES,
  FRAME_DURATION_MS,
  mediaSubject,
  sessionProtocol,
  TIMELINE_MARKS,
  TurnFactSubjects,
  type MessageDto,
  type SessionClaimReply,
  type SessionDto,
  type TurnDeliveredFact,
} from '@voxbridge/contracts';
import { DEFAULT_TONE, expectEventually, FakeControlClient, SubjectTap, testInfra, type FakeLlmRecord, type FakeSpeechRecord } from '@voxbridge/testing';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { adminKey, newRun, type Run } from './support/fleet';
import { isAlive, LauncherProcess } from './support/launcher-process';

const BOOT_TIMEOUT_MS = 120_000;
const FAKE_REPLY_START = 'I am a scripted voice running on fake providers.';
/** The barge-in turn's answer: it streams, then the model keeps the request open (still generating). */
const LONG_REPLY_TOKENS = 'Let me tell you more about that. It is a long story, and it goes on for a while, so settle in and listen.'.split(/(?=\s)/);

/** The control client of a fake provider the launcher started (it prints `fake LLM (…)   <url>`). */
function fakeControl<R>(launcherOutput: string, label: 'LLM' | 'TTS'): FakeControlClient<R> {
  const url = new RegExp(`fake ${label} \\([^)]*\\)\\s+(\\S+)`).exec(launcherOutput)?.[1];
  if (!url) throw new Error(`the launcher did not print where its fake ${label} is`);
  return new FakeControlClient<R>(new URL(url).origin);
}

/** 20 ms PCM16 frames: a 220 Hz tone at about -14 dBFS (speech-like energy) or silence. */
function frame(voiced: boolean, index: number): Uint8Array {
  const samples = new Int16Array(AUDIO_IN_FRAME_BYTES / 2);
  if (voiced) {
    const offset = index * samples.length;
    for (let i = 0; i < samples.length; i++) samples[i] = Math.round(6_500 * Math.sin((2 * Math.PI * 220 * (offset + i)) / AUDIO_IN_SAMPLE_RATE_HZ));
  }
  return new Uint8Array(samples.buffer);
}

/**
 * A voice turn and a barge-in through the fleet started with `--fake-providers`: the test plays the
 * gateway (claims the session for stt, llm and tts, streams microphone frames, listens to the
 * media plane), the fleet does the rest, and the conversation is read back through the REST API.
 */
describe('a voice conversation through the fleet with fake providers', () => {
  let run: Run;
  let fleet: LauncherProcess;
  let bus: Bus;
  let tap: SubjectTap;
  let session: SessionDto;
  let heartbeat: NodeJS.Timeout | undefined;
  let seq = 0;

  const call = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`http://127.0.0.1:${run.portBase}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey(run)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  const claimAll = async () => {
    const request = { session_id: session.id, agent_id: session.agent_id, lease_ms: 15_000 };
    return Promise.all(
      [sessionProtocol('stt').claim.subject, sessionProtocol('llm').claim.subject, sessionProtocol('tts').claim.subject].map((subject) =>
        bus.requestJson<SessionClaimReply>(subject, request, { timeoutMs: 5_000 }),
      ),
    );
  };

  /** Streams frames in real time, as a microphone would. */
  const speak = async (pattern: Array<[voiced: boolean, ms: number]>) => {
    for (const [voiced, ms] of pattern) {
      for (let t = 0; t < ms; t += FRAME_DURATION_MS) {
        bus.publishFrame(mediaSubject(session.id, 'audio.in'), frame(voiced, seq), { seq, timestampMs: Date.now() });
        seq += 1;
        await new Promise((resolve) => setTimeout(resolve, FRAME_DURATION_MS));
      }
    }
  };

  beforeAll(async () => {
    run = await newRun();
    fleet = LauncherProcess.start(run.env, ['--fake-providers']);
    await expectEventually(() => expect(fleet.text()).toContain('8/8 ready'), { timeoutMs: BOOT_TIMEOUT_MS, intervalMs: 100, context: () => fleet.lastLines() });
    bus = await Bus.connect({ servers: testInfra().natsUrl, namespace: run.namespace, name: 'e2e-gateway' });
    const agents = await call<Array<{ id: string; is_default: boolean }>>('GET', '/api/agents');
    const agent = agents.body.find((a) => a.is_default);
    const created = await call<SessionDto>('POST', '/api/sessions', { user_id: 'e2e-voice', agent_id: agent?.id, session_type: 'webrtc' });
    expect(created.status).toBe(201);
    session = created.body;
    tap = await SubjectTap.start(testInfra().natsUrl, run.namespace, session.id);
    const claims = await claimAll();
    expect(claims.every((c) => c.session_id === session.id)).toBe(true);
    heartbeat = setInterval(() => void claimAll().catch(() => undefined), 5_000);
    // This test is the gateway: like webrtc-gateway, it tells when each turn's first frame reached "the user".
    const delivered = new Set<string>();
    bus.subscribeFrames(mediaSubject(session.id, 'audio.out'), (frame) => {
      if (!frame.turnId || delivered.has(frame.turnId)) return;
      delivered.add(frame.turnId);
      const fact: TurnDeliveredFact = { session_id: session.id, turn_id: frame.turnId, marks: { first_frame_sent: Date.now() } };
      void bus.publishDurable(TurnFactSubjects.delivered, fact, { msgId: `${frame.turnId}:delivered` });
    });
  }, BOOT_TIMEOUT_MS + 30_000);

  afterAll(async () => {
    clearInterval(heartbeat);
    await tap?.stop();
    await bus?.drain();
    if (fleet?.isRunning()) {
      fleet.child.kill('SIGTERM');
      await fleet.exited;
    }
    for (const pid of fleet?.allPids() ?? []) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    if (run) rmSync(join(run.home, '..'), { recursive: true, force: true });
  });

  it('hears the user, answers in its own voice, and stores the turn with every latency', async () => {
    await speak([[false, 300], [true, 900], [false, 900]]);

    await expectEventually(() => expect(tap.on('transcript').map((r) => (r.json as { kind: string }).kind)).toContain('final'), {
      timeoutMs: 15_000,
      context: () => `${tap.dump(20)}\n${fleet.lastLines(80)}`,
    });
    await tap.expectEventually(() => expect(tap.on('turn').map((r) => (r.json as { state: string }).state)).toContain('done'), { timeoutMs: 30_000 });
    const frames = tap.on('audio.out');
    expect(frames.length).toBeGreaterThan(50);
    expect(frames.every((f) => f.sizeBytes === AUDIO_OUT_FRAME_BYTES)).toBe(true);

    const messages = await expectEventually(async () => {
      const page = await call<MessageDto[]>('GET', `/api/sessions/${session.id}/messages`);
      expect(page.body.map((m) => m.role)).toEqual(['user', 'assistant']);
      return page.body;
    }, { timeoutMs: 15_000 });
    expect(messages[0]?.content).toBe('Hello, who are you?');
    expect(messages[1]).toMatchObject({ interrupted: false, provider: expect.any(String) });
    expect(messages[1]?.content.startsWith(FAKE_REPLY_START)).toBe(true);
    for (const mark of ['stt_latency_ms', 'llm_ttft_ms', 'tts_ttfb_ms', 'total_latency_ms', 'overhead_ms'] as const) {
      expect(typeof messages[1]?.[mark]).toBe('number');
    }
    // The timeline: every mark from every hop, spans that add up to the total, overhead from it.
    const timeline = await expectEventually(async () => {
      const page = await call<MessageDto[]>('GET', `/api/sessions/${session.id}/messages`);
      const found = page.body[1]?.timeline;
      expect(Object.keys(found?.marks_at_ms ?? {}).sort()).toEqual([...TIMELINE_MARKS].sort());
      return found;
    });
    expect(timeline?.spans.reduce((sum, span) => sum + span.duration_ms, 0)).toBe(timeline?.total_ms);
    expect(timeline?.overhead_ms).toBe(timeline?.spans.filter((span) => span.owner === 'fleet').reduce((sum, span) => sum + span.duration_ms, 0));
    expect(timeline?.overhead_ms).toBeGreaterThanOrEqual(0);
    expect(messages[1]?.overhead_ms).toBe(timeline?.overhead_ms);
  });

  it('stops at once when the user speaks over it, and stores only what was heard', async () => {
    const fakeLlm = fakeControl<FakeLlmRecord>(fleet.text(), 'LLM');
    const fakeTts = fakeControl<FakeSpeechRecord>(fleet.text(), 'TTS');
    // Both providers are still at work when the user speaks over the agent: the model has sent its
    // tokens but not finished, and speech arrives at the pace it is spoken.
    await fakeLlm.scriptNext({ tokens: LONG_REPLY_TOKENS, ttftMs: 250, tokensPerSecond: 50, fault: { kind: 'hang', afterTokens: LONG_REPLY_TOKENS.length } });
    await fakeTts.scriptNext(...Array.from({ length: 4 }, () => ({ ttfbMs: 120, bytesPerSecond: DEFAULT_TONE.sampleRateHz * 2 })));
    const llmRequestsBefore = (await fakeLlm.record()).requests.length;
    const ttsRequestsBefore = (await fakeTts.record()).requests.length;
    const framesBefore = tap.on('audio.out').length;
    await speak([[true, 900], [false, 900]]);
    // The agent starts answering...
    await tap.expectEventually(() => expect(tap.on('audio.out').length).toBeGreaterThan(framesBefore + 25), { timeoutMs: 30_000 });
    // ...and the user talks over it.
    await speak([[true, 400]]);
    await tap.expectEventually(() => expect(tap.on('control').map((r) => (r.json as { action: string }).action)).toContain('cancel'), { timeoutMs: 10_000 });
    await tap.expectEventually(() => expect(tap.on('turn').map((r) => (r.json as { state: string }).state)).toContain('interrupted'), { timeoutMs: 10_000 });

    const interrupted = await expectEventually(async () => {
      const page = await call<MessageDto[]>('GET', `/api/sessions/${session.id}/messages`);
      const found = page.body.filter((m) => m.role === 'assistant' && m.interrupted);
      expect(found).toHaveLength(1);
      return found[0] as MessageDto;
    }, { timeoutMs: 15_000 });
    // What was stored is what was heard: a non-empty prefix of what the LLM had said so far.
    const said = tap
      .on('reply')
      .map((r) => r.json as { turn_id: string; kind: string; seq: number; text?: string })
      .filter((r) => r.turn_id === interrupted.turn_id && r.kind === 'delta')
      .sort((a, b) => a.seq - b.seq)
      .map((r) => r.text ?? '')
      .join('');
    expect(interrupted.content.length).toBeGreaterThan(0);
    expect(said.startsWith(interrupted.content.trim())).toBe(true);
    expect(interrupted.content.trim().length).toBeLessThan(said.length);
    // No frame of the interrupted turn after the interruption.
    const interruptedAt = tap.on('turn').find((r) => (r.json as { state: string; turn_id: string }).state === 'interrupted')?.atMs ?? 0;
    const late = tap.on('audio.out').filter((f) => f.headers['Vb-Turn-Id'] === interrupted.turn_id && f.atMs > interruptedAt + 50);
    expect(late).toEqual([]);

    // The providers saw it too: the LLM request was cancelled by its client, and so was the
    // synthesis in flight; nothing of the turn is left streaming.
    await expectEventually(async () => {
      const llm = await fakeLlm.record();
      expect(llm.requests.slice(llmRequestsBefore)).toEqual([expect.objectContaining({ completed: false, clientDisconnected: true })]);
      const tts = await fakeTts.record();
      const endOf = new Map(tts.events.filter((e) => e.type === 'client-disconnect' || e.type === 'response-end').map((e) => [e.requestIndex, e.type]));
      const turnEnds = tts.requests.slice(ttsRequestsBefore).map((r) => endOf.get(r.index) ?? 'still streaming');
      expect(turnEnds).toContain('client-disconnect');
      expect(turnEnds).not.toContain('still streaming');
    }, { timeoutMs: 10_000 });
  });
});
