import { crashesInARow, restartDelayMs, RESTART_BACKOFF, type BackoffPolicy } from './backoff';

/** How a kept process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A started process as the keeper sees it: its pid and when it ends. */
export interface KeptProcess {
  pid: number | undefined;
  exited: Promise<Exit>;
}

/** Time as the keeper uses it (tests pass one they advance by hand). */
export interface KeeperClock {
  now(): number;
  /** Runs `fn` after `ms`; returns a cancel. */
  after(ms: number, fn: () => void): () => void;
}

const realClock: KeeperClock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

export interface KeepRunningOptions {
  /** What the lines call it, e.g. `Postgres`. */
  name: string;
  /** Starts a new process and resolves once it is usable; rejects when it could not start. */
  restart: () => Promise<KeptProcess>;
  /** True once the launcher is stopping: an exit then is expected. */
  isStopping: () => boolean;
  log: { info(line: string): void; error(line: string): void };
  backoff?: BackoffPolicy;
  clock?: KeeperClock;
}

/**
 * Keeps one process the launcher started (the embedded Postgres) running: when it dies while the
 * launcher is not stopping, it is started again after the services' backoff (0.5 s, doubling, at
 * most 30 s; reset after a minute of running), and each step is logged. Only what `watch` was
 * given is kept: a database the launcher did not start (DATABASE_URL) is never touched.
 */
export class KeepRunning {
  private current: KeptProcess | undefined;
  private crashes = 0;
  private restarts = 0;
  private startedAtMs = 0;
  private cancelTimer: (() => void) | undefined;
  private stopped = false;
  private readonly clock: KeeperClock;
  private readonly backoff: BackoffPolicy;

  constructor(private readonly options: KeepRunningOptions) {
    this.clock = options.clock ?? realClock;
    this.backoff = options.backoff ?? RESTART_BACKOFF;
  }

  /** The process running now (after restarts, the latest). */
  get process(): KeptProcess | undefined {
    return this.current;
  }

  get restartCount(): number {
    return this.restarts;
  }

  /** Starts keeping `process` (the first one, started by the caller). */
  watch(process: KeptProcess): void {
    this.current = process;
    this.startedAtMs = this.clock.now();
    void process.exited.then((exit) => this.exited(process, exit));
  }

  /** No more restarts (the launcher is stopping); a pending restart is cancelled. */
  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  private exited(process: KeptProcess, exit: Exit): void {
    if (process !== this.current) return;
    this.current = undefined;
    if (this.stopped || this.options.isStopping()) return;
    this.crashes = crashesInARow(this.crashes, this.clock.now() - this.startedAtMs, this.backoff);
    const how = exit.signal ?? `code ${exit.code}`;
    this.schedule(`${this.options.name} (pid ${process.pid}) exited unexpectedly (${how})`);
  }

  private schedule(why: string): void {
    const delayMs = restartDelayMs(this.crashes, this.backoff);
    this.options.log.error(`${why}; restarting it in ${delayMs} ms (failure ${this.crashes} in a row) — until then the services answer 503 database_unavailable`);
    this.cancelTimer = this.clock.after(delayMs, () => {
      this.cancelTimer = undefined;
      void this.attempt();
    });
  }

  private async attempt(): Promise<void> {
    if (this.stopped || this.options.isStopping()) return;
    this.startedAtMs = this.clock.now();
    try {
      const process = await this.options.restart();
      if (this.stopped || this.options.isStopping()) return;
      this.restarts += 1;
      this.options.log.info(`${this.options.name} restarted (pid ${process.pid}, restart ${this.restarts}); the services reconnect on their own`);
      this.watch(process);
    } catch (error) {
      if (this.stopped || this.options.isStopping()) return;
      this.crashes += 1;
      this.schedule(`${this.options.name} did not start again: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
}
