import { FRAME_DURATION_MS } from '@voxbridge/contracts';

interface Waiter {
  dueMs: number;
  resolve: () => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * One pacing tick for every turn of the process. Turns wait for the moment their next frame is due
 * (`performance.now()` time); each tick releases every waiter due by then (or within half a tick),
 * all in the same turn of the event loop, so the frames of all sessions are published together and
 * the NATS client writes them in one syscall instead of one per frame (it flushes once per
 * microtask checkpoint). The ticks run on a fixed grid while anyone waits, and stop when no one does;
 * a first waiter after a pause starts the grid at its own due time, so it is never late.
 */
export class FrameClock {
  private waiters: Waiter[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private nextTickMs = 0;

  constructor(
    readonly tickMs: number = FRAME_DURATION_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Turns waiting for a tick. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves at the first tick by which `dueMs` has come (at once when it already has), or when `signal` aborts. */
  waitUntil(dueMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted || dueMs <= this.now()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter: Waiter = { dueMs, resolve, signal };
      if (signal) {
        waiter.onAbort = () => {
          this.waiters = this.waiters.filter((other) => other !== waiter);
          if (this.waiters.length === 0) this.stop();
          resolve();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
      if (this.timer === undefined) this.schedule(dueMs);
    });
  }

  private schedule(atMs: number): void {
    this.nextTickMs = atMs;
    this.timer = setTimeout(() => this.tick(), Math.max(0, atMs - this.now()));
    this.timer.unref?.();
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.timer = undefined;
    const nowMs = this.now();
    const horizonMs = Math.max(nowMs, this.nextTickMs) + this.tickMs / 2;
    const due: Waiter[] = [];
    const later: Waiter[] = [];
    for (const waiter of this.waiters) (waiter.dueMs <= horizonMs ? due : later).push(waiter);
    this.waiters = later;
    for (const waiter of due) {
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
    }
    if (later.length === 0) return;
    // The next tick on the grid that is not in the past (a late tick skips, it does not burst).
    let nextMs = this.nextTickMs + this.tickMs;
    if (nextMs < nowMs) nextMs += Math.ceil((nowMs - nextMs) / this.tickMs) * this.tickMs;
    this.schedule(nextMs);
  }
}

/** The process's clock: every turn paces on it unless given another (tests). */
export const sharedFrameClock = new FrameClock();
