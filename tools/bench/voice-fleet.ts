/**
 * The fleet under test for `bench:voice`: the launcher with fake providers in a scratch home, on
 * free ports, and what /proc says about its processes.
 */
import { Bus } from '@voxbridge/bus';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const FLEET_PORTS = 8;
const BOOT_TIMEOUT_MS = 180_000;
const CLOCK_TICKS_PER_S = 100;
const PAGE_BYTES = 4096;

export interface Fleet {
  /** Service (or replica) name → pid, from the launcher's `started <name> pid=<pid>` lines. */
  pids: Map<string, number>;
  /** The launcher itself: it hosts the fake STT, LLM and TTS servers. */
  launcherPid: number;
  apiUrl: string;
  natsUrl: string;
  adminKey: string;
  /** Lines the launcher printed after the fleet was ready that report a crash or restart. */
  disturbances(): string[];
  /** What the services logged since the fleet was ready (LOG_LEVEL=warn: warnings and errors only). */
  serviceLines(): string[];
  stop(): Promise<void>;
}

export interface FleetOptions {
  repoRoot: string;
  namespace: string;
  home: string;
  /** Extra environment for the launcher and, through it, every service. */
  env?: NodeJS.ProcessEnv;
}

function listenable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A base from `preferred` on whose `count` consecutive ports nothing listens right now. */
export async function freePortBase(preferred: number, count = FLEET_PORTS): Promise<number> {
  for (let base = preferred; base < preferred + 2_000; base += count) {
    const free = await Promise.all(Array.from({ length: count }, (_, i) => listenable(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no ${count} free consecutive ports found from ${preferred}`);
}

export async function startFleet({ repoRoot, namespace, home, env = {} }: FleetOptions): Promise<Fleet> {
  const portBase = await freePortBase(Number(process.env['BENCH_PORT_BASE'] ?? 24_900));
  const pgPort = await freePortBase(portBase + 100, 1);
  const child = spawn(process.execPath, [join(repoRoot, 'dist', 'tools', 'launcher', 'main.js'), '--fake-providers'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...env,
      VOXBRIDGE_NAMESPACE: namespace,
      VOXBRIDGE_HOME: home,
      VOXBRIDGE_PORT_BASE: String(portBase),
      VOXBRIDGE_PG_PORT: String(pgPort),
      LOG_LEVEL: 'warn',
      NO_COLOR: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let readyAt = -1;
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  while (!output.includes('8/8 ready')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      if (child.exitCode === null) child.kill('SIGTERM');
      throw new Error(`the fleet did not start:\n${output.slice(-3_000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  readyAt = output.length;
  const pids = new Map<string, number>();
  for (const [, name = '', pid = ''] of output.matchAll(/started (\S+) pid=(\d+)/g)) pids.set(name, Number(pid));
  const natsUrl = /NATS\s+((?:nats|tls):\/\/\S+)/.exec(output)?.[1] ?? process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
  return {
    pids,
    launcherPid: child.pid ?? -1,
    apiUrl: `http://127.0.0.1:${portBase}`,
    natsUrl,
    adminKey: readFileSync(join(home, 'admin-key'), 'utf8').trim(),
    disturbances: () =>
      output
        .slice(readyAt)
        .split('\n')
        .filter((line) => /crashed|restart|ready again|refused its configuration/.test(line)),
    serviceLines: () =>
      output
        .slice(readyAt)
        .split('\n')
        .filter((line) => / │ /.test(line) && !line.startsWith('launcher')),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface ProcessSample {
  cpuMs: number;
  rssMb: number;
}

/** CPU time (user + system) and resident memory of a process, from /proc; null once it is gone. */
export function processSample(pid: number): ProcessSample | null {
  try {
    // Fields after the command name, which may itself hold spaces: state is [0], utime [11], stime [12], rss [21].
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_S, rssMb: (Number(fields[21]) * PAGE_BYTES) / 1_048_576 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ESRCH') return null;
    throw error;
  }
}

/** Busy CPU time of the whole machine (all cores), from /proc/stat. */
export function machineBusyMs(): number {
  const [, ...fields] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/);
  const ticks = fields.slice(0, 8).map(Number);
  const total = ticks.reduce((sum, t) => sum + t, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return ((total - idle) * 1000) / CLOCK_TICKS_PER_S;
}

/** Every process as (pid, parent pid, command name), from /proc. */
function processTable(): Array<{ pid: number; ppid: number; comm: string }> {
  const rows: Array<{ pid: number; ppid: number; comm: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[1]);
      rows.push({ pid: Number(entry), ppid, comm });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
  return rows;
}

/** Pids of the processes below `root` (not itself) whose command name is `comm`. */
export function descendantsNamed(root: number, comm: string): number[] {
  const table = processTable();
  const below = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const row of table) {
      if (!below.has(row.pid) && below.has(row.ppid)) {
        below.add(row.pid);
        grew = true;
      }
    }
  }
  return table.filter((row) => row.pid !== root && below.has(row.pid) && row.comm === comm).map((row) => row.pid);
}

/** Pids of every process whose command name is `comm`. */
export function processesNamed(comm: string): number[] {
  return processTable()
    .filter((row) => row.comm === comm)
    .map((row) => row.pid);
}

/** Named groups of processes (Postgres backends come and go, so a group is looked up again at the end). */
export type ProcessGroups = () => Map<string, number[]>;

export interface GroupUsage {
  /** CPU over the window; processes that ended during it are missed. */
  cpuMs: number;
  /** Largest sum of the group's RSS seen (shared memory is counted once per process). */
  peakRssMb: number;
  pids: number[];
}

/** CPU used between start() and stop() and the peak RSS (sampled each second) of groups of processes. */
export class ProcessWatch {
  private before = new Map<number, ProcessSample>();
  private readonly peakRssMb = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  /** Looked up at the start and the end only: scanning /proc each second would cost the main thread. */
  private current = new Map<string, number[]>();

  constructor(private readonly groups: ProcessGroups) {}

  start(): void {
    this.current = this.groups();
    this.before = new Map();
    for (const pids of this.current.values()) {
      for (const pid of pids) {
        const sample = processSample(pid);
        if (sample) this.before.set(pid, sample);
      }
    }
    this.sample();
    this.timer = setInterval(() => this.sample(), 1_000);
  }

  stop(): Map<string, GroupUsage> {
    clearInterval(this.timer);
    this.current = this.groups();
    const result = new Map<string, GroupUsage>();
    for (const [name, pids] of this.sample()) {
      let cpuMs = 0;
      for (const pid of pids) {
        const after = processSample(pid);
        if (after) cpuMs += after.cpuMs - (this.before.get(pid)?.cpuMs ?? 0);
      }
      result.set(name, { cpuMs, peakRssMb: this.peakRssMb.get(name) ?? 0, pids });
    }
    return result;
  }

  private sample(): Map<string, number[]> {
    const groups = this.current;
    for (const [name, pids] of groups) {
      const rssMb = pids.reduce((sum, pid) => sum + (processSample(pid)?.rssMb ?? 0), 0);
      this.peakRssMb.set(name, Math.max(this.peakRssMb.get(name) ?? 0, rssMb));
    }
    return groups;
  }
}

/** The fleet's JetStream streams and lease buckets (`<NS>_…`, `KV_<NS>_…`): a bench run leaves nothing on NATS. */
export async function deleteStreamsOf(natsUrl: string, namespace: string): Promise<void> {
  const bus = await Bus.connect({ servers: natsUrl.split(','), namespace, name: 'bench-voice-cleanup' });
  try {
    const prefix = namespace.replace(/-/g, '_').toUpperCase();
    const jsm = await bus.connection.jetstreamManager();
    const names: string[] = [];
    for await (const stream of jsm.streams.list()) {
      if (stream.config.name.startsWith(`${prefix}_`) || stream.config.name.startsWith(`KV_${prefix}_`)) names.push(stream.config.name);
    }
    for (const name of names) await jsm.streams.delete(name);
  } finally {
    await bus.drain();
  }
}
