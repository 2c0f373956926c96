import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

export const REPO_ROOT = resolve(__dirname, '..', '..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One line the launcher printed, with when this process received it (epoch ms). */
export interface TimedLine {
  atMs: number;
  line: string;
}

/** `node dist/tools/launcher/main.js` as a user would run it, with everything it prints recorded. */
export class LauncherProcess {
  private output = '';
  private readonly timed: TimedLine[] = [];
  readonly exited: Promise<Exit>;

  private constructor(readonly child: ChildProcess) {
    const record = (chunk: Buffer) => (this.output += chunk.toString('utf8'));
    child.stdout?.on('data', record);
    child.stderr?.on('data', record);
    // Whole lines per stream (stdout and stderr chunks interleave in `output`), stamped on arrival.
    for (const stream of [child.stdout, child.stderr]) {
      const decoder = new StringDecoder('utf8');
      let pending = '';
      stream?.on('data', (chunk: Buffer) => {
        const parts = (pending + decoder.write(chunk)).split('\n');
        pending = parts.pop() ?? '';
        const atMs = Date.now();
        for (const line of parts) this.timed.push({ atMs, line });
      });
    }
    this.exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
  }

  static start(env: NodeJS.ProcessEnv, args: string[] = []): LauncherProcess {
    return LauncherProcess.startIn(REPO_ROOT, env, args);
  }

  /** The launcher of another checkout (`root` holds dist/ and node_modules/). */
  static startIn(root: string, env: NodeJS.ProcessEnv, args: string[] = []): LauncherProcess {
    const launcher = join(root, 'dist', 'tools', 'launcher', 'main.js');
    return new LauncherProcess(spawn(process.execPath, [launcher, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  text(): string {
    return this.output;
  }

  /** Every whole line so far, with when it arrived. */
  lines(): readonly TimedLine[] {
    return this.timed;
  }

  /** The first line matching `pattern` that arrived at or after `sinceMs`. */
  lineAfter(pattern: RegExp, sinceMs: number): TimedLine | undefined {
    return this.timed.find((entry) => entry.atMs >= sinceMs && pattern.test(entry.line));
  }

  lastLines(count = 60): string {
    return `--- launcher output (last ${count} lines) ---\n${this.output.split('\n').slice(-count).join('\n')}`;
  }

  /** Every pid the launcher announced (`started <name> pid=<pid>`), per name, oldest first. */
  pids(): Map<string, number[]> {
    const pids = new Map<string, number[]>();
    for (const [, name = '', pid = ''] of this.output.matchAll(/started (\S+) pid=(\d+)/g)) {
      pids.set(name, [...(pids.get(name) ?? []), Number(pid)]);
    }
    return pids;
  }

  allPids(): number[] {
    return [...this.pids().values()].flat();
  }

  isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Pids of the processes whose environment or command line contains `needle` (Linux /proc). */
export function processesMentioning(needle: string): number[] {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return ''; // gone meanwhile, or not ours to read
    }
  };
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => read(`/proc/${pid}/environ`).includes(needle) || read(`/proc/${pid}/cmdline`).includes(needle))
    .map(Number);
}

/** Listens on 0.0.0.0:port (as the services do); resolves null if that port is taken. */
export function listenOn(port: number): Promise<Server | null> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(null));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => done(server));
  });
}

export function close(server: Server): Promise<void> {
  return new Promise((done) => server.close(() => done()));
}

/** A base in 20000-40000 whose `count` ports (base..base+count-1; the fleet's eight by default) are all free right now. */
export async function freePortBase(count = 8): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = randomInt(20_000, 40_000 - count);
    const servers = await Promise.all(Array.from({ length: count }, (_, i) => listenOn(base + i)));
    await Promise.all(servers.map((server) => server && close(server)));
    if (servers.every((server) => server !== null)) return base;
  }
  throw new Error(`no free range of ${count} ports found in 20000-40000`);
}
