import { ServiceExitCode } from '@voxbridge/contracts';
import { spawn, type ChildProcess } from 'node:child_process';
import { crashesInARow, restartDelayMs, RESTART_BACKOFF, type BackoffPolicy } from './backoff';
import type { ServiceReplica } from './config';
import { LineSplitter, Tail } from './output';
import { stopChild, trackGroup } from './process';

/** One process to keep running: a service, or one replica of a worker (each supervised on its own). */
export interface ServiceSpec extends ServiceReplica {
  /** The compiled main.js to run with node. */
  entry: string;
  env: NodeJS.ProcessEnv;
  /** `GET` answers 200 once the service is ready. */
  readyUrl: string;
}

export interface CrashReport {
  code: number | null;
  signal: NodeJS.Signals | null;
  ranMs: number;
  crashes: number;
  restartInMs: number;
  /** Last lines the process wrote to stderr (or, if none, to stdout). */
  lastLines: string[];
}

/** What the supervisor tells the launcher about each process; the launcher decides how to show it. */
export interface SupervisorListener {
  line(replica: ServiceReplica, line: string): void;
  started(replica: ServiceReplica, pid: number, restarts: number): void;
  ready(replica: ServiceReplica, pid: number, restarts: number): void;
  crashed(replica: ServiceReplica, report: CrashReport): void;
  /** It exited with ServiceExitCode.BadConfig: restarting cannot help. */
  misconfigured(replica: ServiceReplica, lastLines: string[]): void;
}

export interface SupervisorOptions {
  backoff?: BackoffPolicy;
  /** After SIGTERM, how long a service may drain before SIGKILL (services allow themselves 10 s). */
  stopTimeoutMs?: number;
  readyPollMs?: number;
}

const DEFAULT_STOP_TIMEOUT_MS = 15_000;
const DEFAULT_READY_POLL_MS = 250;
const READY_REQUEST_TIMEOUT_MS = 1_000;

/** One service or replica: its current process, restarts with backoff after a crash, readiness polling. */
class SupervisedService {
  private child: ChildProcess | undefined;
  private stopping = false;
  private crashes = 0;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Who this is, as the listener is told: without the environment, which holds secrets. */
  private readonly replica: ServiceReplica;

  constructor(
    private readonly spec: ServiceSpec,
    private readonly listener: SupervisorListener,
    private readonly options: Required<SupervisorOptions>,
  ) {
    const { service, replica, name, port } = spec;
    this.replica = { service, replica, name, port };
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    this.restartTimer = undefined;
    if (this.stopping) return;
    const startedAt = Date.now();
    const child = spawn(process.execPath, [this.spec.entry], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: this.spec.env,
      // Own process group: a terminal's Ctrl-C reaches only the launcher, which stops services in order.
      detached: true,
    });
    this.child = child;
    const stderrTail = new Tail(10);
    const stdoutTail = new Tail(10);
    this.pipe(child.stdout, stdoutTail);
    this.pipe(child.stderr, stderrTail);
    trackGroup(child);
    child.on('error', (error) => {
      // Only a failed spawn ends here with no pid (a failed kill or send leaves the process running).
      if (child.pid === undefined) this.onExit(child, startedAt, null, null, [`spawn failed: ${error.message}`]);
    });
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) =>
      this.onExit(child, startedAt, code, signal, stderrTail.get().length ? stderrTail.get() : stdoutTail.get()),
    );
    if (child.pid === undefined) return;
    this.listener.started(this.replica, child.pid, this.restarts);
    void this.pollReady(child);
  }

  async stop(force: boolean): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    await stopChild(child, {
      steps: force ? [{ signal: 'SIGKILL', timeoutMs: 1_000 }] : [{ signal: 'SIGTERM', timeoutMs: this.options.stopTimeoutMs }, { signal: 'SIGKILL', timeoutMs: 1_000 }],
    });
  }

  private pipe(stream: NodeJS.ReadableStream | null, tail: Tail): void {
    if (!stream) return;
    const splitter = new LineSplitter();
    const emit = (line: string) => {
      tail.push(line);
      this.listener.line(this.replica, line);
    };
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => splitter.push(chunk).forEach(emit));
    stream.on('end', () => splitter.flush().forEach(emit));
  }

  private onExit(child: ChildProcess, startedAt: number, code: number | null, signal: NodeJS.Signals | null, lastLines: string[]): void {
    if (this.child !== child) return;
    this.child = undefined;
    if (this.stopping) return;
    if (code === ServiceExitCode.BadConfig) {
      this.listener.misconfigured(this.replica, lastLines);
      return;
    }
    const ranMs = Date.now() - startedAt;
    this.crashes = crashesInARow(this.crashes, ranMs, this.options.backoff);
    const restartInMs = restartDelayMs(this.crashes, this.options.backoff);
    this.listener.crashed(this.replica, { code, signal, ranMs, crashes: this.crashes, restartInMs, lastLines });
    this.restarts += 1;
    this.restartTimer = setTimeout(() => this.start(), restartInMs);
  }

  private async pollReady(child: ChildProcess): Promise<void> {
    while (this.child === child && !this.stopping) {
      if (await isReady(this.spec.readyUrl)) {
        if (this.child === child && !this.stopping && child.pid !== undefined) this.listener.ready(this.replica, child.pid, this.restarts);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.readyPollMs));
    }
  }
}

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(READY_REQUEST_TIMEOUT_MS) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false; // not listening yet
  }
}

/** The fleet's processes (eight services, more with replicas), each kept running until stop(). */
export class Supervisor {
  private readonly services: SupervisedService[];

  constructor(specs: readonly ServiceSpec[], listener: SupervisorListener, options: SupervisorOptions = {}) {
    const resolved: Required<SupervisorOptions> = {
      backoff: options.backoff ?? RESTART_BACKOFF,
      stopTimeoutMs: options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS,
      readyPollMs: options.readyPollMs ?? DEFAULT_READY_POLL_MS,
    };
    this.services = specs.map((spec) => new SupervisedService(spec, listener, resolved));
  }

  start(): void {
    for (const service of this.services) service.start();
  }

  /** SIGTERM to every service at once, SIGKILL for those still running after the timeout (or at once with force). */
  async stop(force = false): Promise<void> {
    await Promise.all(this.services.map((service) => service.stop(force)));
  }
}
