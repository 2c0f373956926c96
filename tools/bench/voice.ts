/**
 * `npm run bench:voice [-- --sessions N | --sweep 10,50,100,150] [--cpu-prof] [--no-bus-tap]` — the
 * fleet with fake providers at fixed latencies (STT final 150 ms after the end of speech, TTFT
 * 250 ms, 50 tokens/s, TTS first byte 120 ms), driven from outside as browsers drive it: each
 * simulated browser gets a voice token from agent-api, opens webrtc-gateway's `/ws/voice`, streams
 * real-time 20 ms microphone frames and reads events and 24 kHz frames back. Its script: a plain
 * turn, a turn it talks over, and the answer to that interruption — three utterances, each of
 * which should become exactly one stored user turn.
 *
 * The browsers run in worker threads (≤ 25 sessions each by default), each measuring its own
 * event-loop lag and how punctually it sent the microphone frames; a run whose generator lagged is
 * reported INVALID and its fleet figures are not printed. Per run: client-side turn latency (end
 * of the user's voiced audio as sent → first agent frame received), barge-in (first voiced frame
 * of the interruption sent → last agent frame received), lost and late frames, stored user turns
 * against the script, stored `overhead_ms`, CPU-ms per session-minute and peak RSS per process.
 * Written as JSON to .voxbridge/bench/. Not a test: figures depend on the machine.
 *
 * Lost frames need to know how many frames a turn published, which the socket does not say (its
 * frames carry no sequence numbers and `turn_state done` no `frames_played`): each worker reads the
 * sessions' `turn` events on the bus, a handful per conversation, read only (off with --no-bus-tap).
 */
import type { MessageDto } from '@voxbridge/contracts';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { pidOfProfile, topSelfTime, type CpuProfile, type ProfileSummary } from './cpu-profile';
import { deleteStreamsOf, descendantsNamed, machineBusyMs, processesNamed, ProcessWatch, startFleet, type Fleet } from './voice-fleet';
import { largestPassing, overheadOf } from './voice-metrics';
import { parseVoiceBenchArgs, splitAcrossWorkers, VOICE_BENCH_USAGE, type VoiceBenchOptions } from './voice-options';
import { SCRIPT, type WorkerInput, type WorkerReport } from './voice-protocol';
import { GENERATOR, LAUNCHER, noteLines, resourceTable, resultsTable, runFigures, targetLines, timeLines, VALIDITY_RULE, type RunFigures, type StoredTurns } from './voice-report';

const repoRoot = join(__dirname, '..', '..', '..');
/** Sessions start this far apart, as users arrive. */
const STAGGER_MS = 50;
/** Time for the workers to start before the first session. */
const START_DELAY_MS = 2_000;
const COMMIT_WAIT_MS = 15_000;
const GENERATOR_NICE = -10;

async function api<T>(fleet: Fleet, method: string, path: string): Promise<T> {
  const response = await fetch(`${fleet.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${fleet.adminKey}` } });
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * The browsers would run on other machines: on this one the generator goes first, so it keeps time
 * while the fleet saturates the cores. Two knobs, as Linux schedules by session first (autogroups:
 * the launcher starts each service in a session of its own) and by thread niceness within one:
 *  - this session's autogroup is reniced: the bench, and the launcher with the fake providers —
 *    remote services in real life, whose latencies should stay what they are set to;
 *  - every thread of the bench but the main one (the workers, and the V8 and libuv helpers a worker
 *    may wait on) is reniced within it; the main thread is not, as the launcher inherits its niceness.
 * Needs root (or CAP_SYS_NICE); without it the generator competes with the fleet, and the validity
 * check says whether that mattered.
 */
function raiseGeneratorPriority(): void {
  try {
    if (autogroupNice === undefined) {
      autogroupNice = Number(/nice (-?\d+)/.exec(readFileSync('/proc/self/autogroup', 'utf8'))?.[1] ?? 0);
      // The autogroup outlives the bench (it is the shell's session): give its niceness back.
      process.once('exit', () => writeFileSync('/proc/self/autogroup', String(autogroupNice)));
    }
    writeFileSync('/proc/self/autogroup', String(GENERATOR_NICE));
    for (const tid of readdirSync('/proc/self/task').map(Number)) if (tid !== process.pid) setPriority(tid, GENERATOR_NICE);
  } catch (error) {
    if (!reniceProblem) console.log(`  cannot raise the generator's priority (${(error as Error).message}): it competes with the fleet for the cores`);
    reniceProblem = (error as Error).message;
  }
}
let reniceProblem: string | undefined;
let autogroupNice: number | undefined;

function runWorkers(inputs: WorkerInput[]): Promise<WorkerReport[]> {
  return Promise.all(
    inputs.map(
      (input) =>
        new Promise<WorkerReport>((resolve, reject) => {
          const worker = new Worker(join(__dirname, 'voice-worker.js'), { workerData: input });
          let report: WorkerReport | undefined;
          worker.once('online', raiseGeneratorPriority);
          worker.on('message', (message: WorkerReport) => (report = message));
          worker.on('error', reject);
          worker.on('exit', (code) => (report ? resolve(report) : reject(new Error(`load-generator worker ${input.workerIndex} exited ${code} without a report`))));
        }),
    ),
  );
}

/** Stored user turns per session and the assistant turns' latencies, once the commits have landed. */
async function storedTurns(fleet: Fleet, sessionIds: string[]): Promise<StoredTurns> {
  const deadline = Date.now() + COMMIT_WAIT_MS;
  for (;;) {
    const stored: StoredTurns = { userTurns: new Map(), overheadsMs: [], assistant: [] };
    for (const id of sessionIds) {
      const messages = await api<Array<Partial<MessageDto>>>(fleet, 'GET', `/api/sessions/${id}/messages?limit=1000`);
      stored.userTurns.set(id, messages.filter((m) => m.role === 'user').length);
      for (const m of messages.filter((m) => m.role === 'assistant')) {
        const overhead = overheadOf(m);
        if (overhead !== null) stored.overheadsMs.push(overhead);
        stored.assistant.push(m);
      }
    }
    if ([...stored.userTurns.values()].every((n) => n >= SCRIPT.utterances) || Date.now() > deadline) return stored;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** SIGUSR2 starts the profiler of each process (cpu-profile-preload.ts), and a second one stops it. */
function toggleProfilers(pids: ReadonlyMap<number, string>): void {
  for (const [pid, name] of pids) {
    try {
      process.kill(pid, 'SIGUSR2');
    } catch (error) {
      console.log(`  cannot signal ${name} (pid ${pid}) for its CPU profile: ${(error as Error).message}`);
    }
  }
}

/** Stops the profilers and reads the profiles they write: top self-time functions per process. */
async function collectProfiles(dir: string, pids: ReadonlyMap<number, string>): Promise<Record<string, ProfileSummary>> {
  toggleProfilers(pids);
  const deadline = Date.now() + 10_000;
  const written = () => readdirSync(dir).filter((file) => pids.has(pidOfProfile(file) ?? -1));
  while (written().length < pids.size && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  const profiles: Record<string, ProfileSummary> = {};
  for (const file of written()) {
    const pid = pidOfProfile(file) ?? -1;
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    profiles[pids.get(pid) ?? `pid ${pid}`] = topSelfTime(profile, 10, repoRoot);
  }
  return profiles;
}

async function runOnce(sessions: number, options: VoiceBenchOptions, profileDir: string | null): Promise<RunFigures> {
  const namespace = `bench${randomBytes(4).toString('hex')}`;
  const scratch = mkdtempSync(join(tmpdir(), 'vb-bench-voice-'));
  // Reachable by the postgres user, so the embedded database lives inside and goes with it.
  chmodSync(scratch, 0o755);
  const runProfileDir = profileDir ? join(profileDir, `${sessions}-sessions`) : null;
  if (runProfileDir) mkdirSync(runProfileDir, { recursive: true });
  const env: NodeJS.ProcessEnv = runProfileDir
    ? { NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --require ${join(__dirname, 'cpu-profile-preload.js')}`.trim(), VOXBRIDGE_BENCH_CPU_PROF_DIR: runProfileDir }
    : {};
  console.log(`\nbench:voice: ${sessions} sessions — starting the fleet with fake providers (namespace ${namespace}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  const fleet = await startFleet({ repoRoot, namespace, home: join(scratch, 'home'), env });
  try {
    const agents = await api<Array<{ id: string; is_default: boolean }>>(fleet, 'GET', '/api/agents');
    const agentId = agents.find((a) => a.is_default)?.id ?? agents[0]?.id;
    if (!agentId) throw new Error('the fleet has no agent');
    const groups = () =>
      new Map<string, number[]>([
        // The launcher announces the Postgres and NATS it starts too; those are counted below, with their children.
        ...[...fleet.pids].filter(([name]) => name !== 'postgres' && name !== 'nats-server').map(([name, pid]): [string, number[]] => [name, [pid]]),
        [LAUNCHER, [fleet.launcherPid]],
        ['postgres (embedded)', descendantsNamed(fleet.launcherPid, 'postgres')],
        ['nats-server (shared)', processesNamed('nats-server')],
        [GENERATOR, [process.pid]],
      ]);
    const watch = new ProcessWatch(groups);
    const workerCount = splitAcrossWorkers(sessions, options.sessionsPerWorker).length;
    const startAtEpochMs = Date.now() + START_DELAY_MS;
    const inputs: WorkerInput[] = Array.from({ length: workerCount }, (_, w) => ({
      workerIndex: w,
      apiUrl: fleet.apiUrl,
      adminKey: fleet.adminKey,
      agentId,
      // Round robin: each worker's sessions are spread over the whole ramp.
      sessions: Array.from({ length: sessions }, (_, i) => i)
        .filter((i) => i % workerCount === w)
        .map((index) => ({ index, startAtEpochMs: startAtEpochMs + index * STAGGER_MS })),
      tap: options.busTap ? { natsUrl: fleet.natsUrl, namespace } : null,
    }));
    console.log(`  ${sessions} browsers on ${workerCount} worker thread(s), starting ${STAGGER_MS} ms apart; each conversation takes ~40 s`);
    const profiled = new Map<number, string>([...[...fleet.pids].map(([name, pid]): [number, string] => [pid, name]), [fleet.launcherPid, LAUNCHER]]);
    watch.start();
    if (runProfileDir) toggleProfilers(profiled);
    const busyBefore = machineBusyMs();
    const windowStart = Date.now();
    const reports = await runWorkers(inputs);
    const windowMs = Date.now() - windowStart;
    const busyMs = machineBusyMs() - busyBefore;
    const used = watch.stop();
    const profiles = runProfileDir ? await collectProfiles(runProfileDir, profiled) : undefined;
    const disturbances = fleet.disturbances();
    const serviceLines = fleet.serviceLines();
    const ownMs = [...used.values()].reduce((sum, u) => sum + u.cpuMs, 0);
    const cores = cpus().length;
    const usage = new Map([...used].map(([name, u]) => [name, { cpuMs: u.cpuMs, peakRssMb: u.peakRssMb }]));
    const sessionIds = reports.flatMap((r) => r.sessions.flatMap((s) => (s.sessionId ? [s.sessionId] : [])));
    const stored = await storedTurns(fleet, sessionIds);
    const figures = runFigures({
      sessions,
      reports,
      stored,
      usage,
      disturbances,
      serviceLines,
      machine: { cores, windowMs, busyPercent: (100 * busyMs) / (windowMs * cores), otherPercent: (100 * Math.max(0, busyMs - ownMs)) / (windowMs * cores) },
    });
    return profiles ? { ...figures, profiles } : figures;
  } finally {
    await fleet.stop();
    await deleteStreamsOf(fleet.natsUrl, namespace);
    rmSync(scratch, { recursive: true, force: true });
  }
}

function printProfiles(run: RunFigures): void {
  if (!run.profiles) return;
  console.log(`\nCPU profiles, ${run.sessions} sessions (top 10 functions by self time; % of each process's busy time):`);
  for (const [name, profile] of Object.entries(run.profiles).sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`  ${name}: busy ${(profile.busyMs / 1000).toFixed(1)} s of ${(profile.totalMs / 1000).toFixed(1)} s profiled`);
    for (const entry of profile.top) console.log(`    ${entry.busyPercent.toFixed(1).padStart(5)} %  ${entry.selfMs.toFixed(0).padStart(6)} ms  ${entry.function}`);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(VOICE_BENCH_USAGE);
    return;
  }
  const options = parseVoiceBenchArgs(argv);
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const dir = join(repoRoot, '.voxbridge', 'bench');
  const profileDir = options.cpuProfile ? join(dir, `voice-${stamp}-profiles`) : null;
  const runs: RunFigures[] = [];
  for (const sessions of options.sessionCounts) {
    const run = await runOnce(sessions, options, profileDir);
    runs.push(run);
    noteLines(run).forEach((line) => console.log(`  ${line}`));
    console.log(`  done: generator lag p99 ${run.generator.lagP99Ms.toFixed(1)} ms — ${run.validity.valid ? 'valid' : 'INVALID'}`);
  }
  const priority = reniceProblem ? 'normal priority (could not renice)' : `nice ${GENERATOR_NICE} (its session's autogroup, and every thread but the main one)`;
  const largest = largestPassing(runs.map((run) => ({ sessions: run.sessions, valid: run.validity.valid, verdicts: run.verdicts })));

  console.log(`\nbench:voice ${startedAt.toISOString()} — ${cpus().length} cores, Node ${process.version}, generator at ${priority}, ${options.busTap ? 'bus tap on' : 'bus tap off'}${options.cpuProfile ? ', CPU profiling on (figures include its cost)' : ''}`);
  resultsTable(runs).forEach((line) => console.log(line));
  console.log('');
  resourceTable(runs).forEach((line) => console.log(line));
  console.log('');
  targetLines(runs, largest).forEach((line) => console.log(line));
  console.log(VALIDITY_RULE);
  const notes = runs.flatMap(noteLines);
  if (notes.length > 0) {
    console.log('Notes:');
    notes.forEach((line) => console.log(`  ${line}`));
  }
  runs.flatMap(timeLines).forEach((line) => console.log(line));
  // Profiles describe the fleet's work whether or not the generator kept time.
  runs.forEach(printProfiles);

  mkdirSync(dir, { recursive: true });
  const file = join(dir, `voice-${stamp}.json`);
  const report = { started_at: startedAt.toISOString(), cores: cpus().length, node: process.version, argv, options, generator_priority: priority, script: SCRIPT, largest_passing_sessions: largest, runs };
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwritten to ${file}${profileDir ? ` (profiles in ${profileDir})` : ''}`);
}

main().catch((error: unknown) => {
  console.error(`bench:voice failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
