/**
 * `npm run bench:voice [-- --sessions N]` — the fleet with fake providers at fixed latencies (STT
 * final 150 ms after the end of speech, TTFT 250 ms, 50 tokens/s, TTS first byte 120 ms), driven by
 * N concurrent scripted conversations: one plain turn, then one the user interrupts. Prints, and
 * writes as JSON to .voxbridge/bench/: per-turn `overhead_ms` p50/p95/p99, barge-in reaction
 * (interruption onset → last agent frame) p50/p95, lost and late frames, CPU and RSS per service,
 * and whether the targets were met. Not a test: figures depend on the machine.
 *
 * Each conversation follows only its own session's subjects (a turn of another session must never
 * be taken for its own). Barge-in is the first voiced sample of the user's speech over the agent →
 * the last `audio.out` frame of the interrupted turn, as received here. A frame is late when it
 * arrives more than 100 ms after its place on a real-time schedule that starts at the turn's first
 * frame and starts over at the first frame after a `voice_dismissed` (a paused turn resumes from
 * there). Gaps the LLM or TTS provider cause (the next sentence not ready in time) also count.
 */
import { Bus, type Frame } from '@voxbridge/bus';
import {
  AUDIO_IN_FRAME_BYTES,
  AUDIO_IN_SAMPLE_RATE_HZ,
  FRAME_DURATION_MS,
  mediaSubject,
  TurnEvent,
  VadEvent,
  VoiceSubjects,
  type MessageDto,
  type SessionDto,
} from '@voxbridge/contracts';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatSummary, summarize, type Summary } from './stats';

const repoRoot = join(__dirname, '..', '..', '..');
const argSessions = process.argv.indexOf('--sessions');
const sessionCount = Number(argSessions >= 0 ? process.argv[argSessions + 1] : (process.env['BENCH_SESSIONS'] ?? 20));
const portBase = Number(process.env['BENCH_PORT_BASE'] ?? 24_900);
const TARGETS = { overheadP95Ms: 60, bargeInP95Ms: 150, lostFrames: 0 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

function tone(index: number): Uint8Array {
  const samples = new Int16Array(AUDIO_IN_FRAME_BYTES / 2);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(6_500 * Math.sin((2 * Math.PI * 220 * (index * samples.length + i)) / AUDIO_IN_SAMPLE_RATE_HZ));
  return new Uint8Array(samples.buffer);
}
const SILENCE = new Uint8Array(AUDIO_IN_FRAME_BYTES);

interface FleetProcess {
  pids: Map<string, number>;
  stop(): Promise<void>;
  adminKey: string;
}

async function startFleet(namespace: string, home: string): Promise<FleetProcess> {
  const child = spawn(process.execPath, [join(repoRoot, 'dist', 'tools', 'launcher', 'main.js'), '--fake-providers'], {
    cwd: repoRoot,
    env: { ...process.env, VOXBRIDGE_NAMESPACE: namespace, VOXBRIDGE_HOME: home, VOXBRIDGE_PORT_BASE: String(portBase), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 120_000;
  while (!output.includes('8/8 ready')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the fleet did not start:\n${output.slice(-3_000)}`);
    await sleep(100);
  }
  const pids = new Map<string, number>();
  for (const [, name = '', pid = ''] of output.matchAll(/started (\S+) pid=(\d+)/g)) pids.set(name, Number(pid));
  return {
    pids,
    adminKey: readFileSync(join(home, 'admin-key'), 'utf8').trim(),
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** CPU seconds (user + system) and RSS of a process, from /proc. */
function processSample(pid: number): { cpuS: number; rssMb: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(stat[11]) + Number(stat[12]);
    const rssPages = Number(stat[21]);
    return { cpuS: ticks / 100, rssMb: (rssPages * 4096) / 1_048_576 };
  } catch {
    return null; // the process is gone
  }
}

interface TurnTrace {
  frames: Array<{ seq: number; atMs: number }>;
  state?: string;
  /** When the session's `voice_dismissed` events arrived (a paused turn resumes after them). */
  resumes: number[];
}

/** Frames arriving over 100 ms behind a real-time schedule from the first frame, restarted after each resume. */
function lateFrames(trace: TurnTrace): number {
  let late = 0;
  let base = trace.frames[0];
  let previousAtMs = Number.NEGATIVE_INFINITY;
  for (const frame of trace.frames) {
    if (trace.resumes.some((atMs) => atMs > previousAtMs && atMs <= frame.atMs)) base = frame;
    if (base && frame.atMs - base.atMs > (frame.seq - base.seq) * FRAME_DURATION_MS + 100) late += 1;
    previousAtMs = frame.atMs;
  }
  return late;
}

/** The fleet's JetStream streams and lease buckets (`<NS>_…`, `KV_<NS>_…`): a bench run leaves nothing on NATS. */
async function deleteStreamsOf(bus: Bus, namespace: string): Promise<void> {
  const prefix = namespace.replace(/-/g, '_').toUpperCase();
  const jsm = await bus.connection.jetstreamManager();
  const names: string[] = [];
  for await (const stream of jsm.streams.list()) {
    if (stream.config.name.startsWith(`${prefix}_`) || stream.config.name.startsWith(`KV_${prefix}_`)) names.push(stream.config.name);
  }
  for (const name of names) await jsm.streams.delete(name).catch(() => undefined);
}

async function main(): Promise<void> {
  const namespace = `bench${randomBytes(4).toString('hex')}`;
  const scratch = mkdtempSync(join(tmpdir(), 'vb-bench-voice-'));
  // Reachable by the postgres user, so the embedded database lives inside and goes with it.
  chmodSync(scratch, 0o755);
  const home = join(scratch, 'home');
  console.log(`bench:voice: starting the fleet with fake providers (namespace ${namespace}, ports ${portBase}-${portBase + 7})`);
  const fleet = await startFleet(namespace, home);
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`http://127.0.0.1:${portBase}${path}`, {
      method,
      headers: { authorization: `Bearer ${fleet.adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
    return (response.status === 204 ? undefined : await response.json()) as T;
  };
  const bus = await Bus.connect({ servers: (process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222').split(','), namespace, name: 'bench-voice' });
  const cpuBefore = new Map([...fleet.pids].map(([name, pid]) => [name, processSample(pid)]));
  const allTraces: TurnTrace[] = [];

  try {
    const agents = await api<Array<{ id: string; is_default: boolean }>>('GET', '/api/agents');
    const agentId = agents.find((a) => a.is_default)?.id ?? '';
    const bargeIns: number[] = [];
    let bargeInsNotInterrupted = 0;
    const conversations = Array.from({ length: sessionCount }, async (_, index) => {
      await sleep(index * 50); // staggered starts, as real users
      const session = await api<SessionDto>('POST', '/api/sessions', { user_id: `bench-${index}`, agent_id: agentId, session_type: 'webrtc' });
      // This session's turns only.
      const traces = new Map<string, TurnTrace>();
      const resumes: number[] = [];
      const trace = (turnId: string) => {
        let found = traces.get(turnId);
        if (!found) {
          found = { frames: [], resumes };
          traces.set(turnId, found);
          allTraces.push(found);
        }
        return found;
      };
      bus.subscribeFrames(mediaSubject(session.id, 'audio.out'), (frame: Frame) => {
        if (frame.turnId) trace(frame.turnId).frames.push({ seq: frame.seq, atMs: Date.now() });
      });
      bus.subscribeJson(mediaSubject(session.id, 'turn'), TurnEvent, (event) => void (trace(event.turn_id).state = event.state));
      bus.subscribeJson(mediaSubject(session.id, 'vad'), VadEvent, (event) => {
        if (event.kind === 'voice_dismissed') resumes.push(Date.now());
      });
      await bus.connection.flush();
      const claim = () =>
        Promise.all([VoiceSubjects.sttClaim, VoiceSubjects.llmClaim, VoiceSubjects.ttsClaim].map((s) => bus.requestJson(s, { session_id: session.id, agent_id: agentId }, { timeoutMs: 5_000 })));
      await claim();
      const heartbeat = setInterval(() => void claim().catch(() => undefined), 4_000);
      let seq = 0;
      const speak = async (voiced: boolean, ms: number) => {
        for (let t = 0; t < ms; t += FRAME_DURATION_MS) {
          bus.publishFrame(mediaSubject(session.id, 'audio.in'), voiced ? tone(seq) : SILENCE, { seq, timestampMs: Date.now() });
          seq += 1;
          await sleep(FRAME_DURATION_MS);
        }
      };
      const turnsOf = () => [...traces.entries()];
      const waitUntil = async (done: () => boolean, ms: number) => {
        const deadline = Date.now() + ms;
        while (!done() && Date.now() < deadline) await sleep(50);
      };
      try {
        // Turn 1: a question, answered to the end. (Its turn can start before the trailing silence
        // has all been sent, so what was known is taken before speaking.)
        const known = new Set(turnsOf().map(([id]) => id));
        await speak(false, 200);
        await speak(true, 900);
        await speak(false, 800);
        await waitUntil(() => turnsOf().some(([id, t]) => !known.has(id) && t.state === 'done'), 30_000);
        // Turn 2: the user talks over the answer once it has played for about half a second.
        const before = new Set(turnsOf().map(([id]) => id));
        await speak(true, 900);
        await speak(false, 800);
        await waitUntil(() => turnsOf().some(([id, t]) => !before.has(id) && t.frames.length > 25), 30_000);
        const onsetMs = Date.now();
        await speak(true, 400);
        await speak(false, 200);
        const turn = turnsOf().find(([id]) => !before.has(id))?.[1];
        await waitUntil(() => turn?.state === 'interrupted', 10_000);
        const lastFrame = turn?.frames[turn.frames.length - 1];
        if (turn?.state === 'interrupted' && lastFrame) bargeIns.push(Math.max(0, lastFrame.atMs - onsetMs));
        else bargeInsNotInterrupted += 1;
      } finally {
        clearInterval(heartbeat);
      }
      return session.id;
    });
    const sessionIds = await Promise.all(conversations);
    await sleep(2_000); // let the last commits land
    const overheads: number[] = [];
    for (const id of sessionIds) {
      const messages = await api<MessageDto[]>('GET', `/api/sessions/${id}/messages`);
      for (const m of messages) if (m.role === 'assistant' && typeof m.overhead_ms === 'number') overheads.push(m.overhead_ms);
    }
    let lost = 0;
    let late = 0;
    for (const t of allTraces) {
      const seqs = t.frames.map((f) => f.seq).sort((a, b) => a - b);
      const last = seqs[seqs.length - 1] ?? -1;
      lost += last + 1 - new Set(seqs).size;
      late += lateFrames(t);
    }
    const services = Object.fromEntries(
      [...fleet.pids].map(([name, pid]) => {
        const before = cpuBefore.get(name);
        const after = processSample(pid);
        return [name, { cpu_s: after && before ? Number((after.cpuS - before.cpuS).toFixed(2)) : null, rss_mb: after ? Number(after.rssMb.toFixed(1)) : null }];
      }),
    );
    const overhead: Summary = summarize(overheads);
    const bargeIn: Summary = summarize(bargeIns);
    const met = {
      overhead: overhead.p95 <= TARGETS.overheadP95Ms,
      barge_in: bargeIn.p95 <= TARGETS.bargeInP95Ms && bargeInsNotInterrupted === 0,
      frames: lost <= TARGETS.lostFrames,
    };
    const report = {
      sessions: sessionCount,
      turns: overheads.length,
      overhead_ms: overhead,
      barge_in_ms: bargeIn,
      barge_ins_not_interrupted: bargeInsNotInterrupted,
      lost_frames: lost,
      late_frames: late,
      services,
      targets: TARGETS,
      met,
    };
    console.log(`sessions ${sessionCount}, committed assistant turns ${overheads.length}`);
    console.log(`  overhead_ms    ${formatSummary(overhead)}   target p95 ≤ ${TARGETS.overheadP95Ms} ms: ${met.overhead ? 'met' : 'NOT met'}`);
    console.log(`  barge-in       ${formatSummary(bargeIn)}   target p95 ≤ ${TARGETS.bargeInP95Ms} ms: ${met.barge_in ? 'met' : 'NOT met'}`);
    if (bargeInsNotInterrupted > 0) console.log(`  barge-in       ${bargeInsNotInterrupted} interruption(s) did not end the turn as interrupted (not measured)`);
    console.log(`  frames         lost ${lost}, late ${late}   target lost = 0: ${met.frames ? 'met' : 'NOT met'}`);
    for (const [name, s] of Object.entries(services)) console.log(`  ${name.padEnd(18)} cpu ${s.cpu_s ?? '?'} s   rss ${s.rss_mb ?? '?'} MB`);
    const dir = join(repoRoot, '.voxbridge', 'bench');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `voice-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`  written to ${file}`);
  } finally {
    await fleet.stop();
    await deleteStreamsOf(bus, namespace);
    await bus.drain();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench:voice failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
