/** Runs `fire` after `ms`; the returned function cancels it. Injected in tests (no real time). */
export type Schedule = (ms: number, fire: () => void) => () => void;

export const realSchedule: Schedule = (ms, fire) => {
  const timer = setTimeout(fire, ms);
  return () => clearTimeout(timer);
};

/** One check of the turn: alive, or why not (said to the client when the checks give up). */
export type LivenessVerdict = { alive: true } | { alive: false; reason: string };

export interface ChatLivenessOptions {
  /** Pause between the end of one check and the start of the next. */
  intervalMs: number;
  /** Failed checks in a row that mean the turn is lost. */
  misses: number;
  /** One check; never rejects (a failure is a verdict). */
  probe: () => Promise<LivenessVerdict>;
  /** Once, with the last failed check's reason. */
  onLost: (reason: string) => void;
  schedule?: Schedule;
}

/**
 * Watches a running text turn: checks it every `intervalMs` and calls `onLost` after `misses`
 * failed checks in a row; one good check resets the count. No I/O of its own.
 */
export class ChatLiveness {
  private cancelTimer: (() => void) | undefined;
  private failed = 0;
  private stopped = false;
  private readonly schedule: Schedule;

  constructor(private readonly options: ChatLivenessOptions) {
    this.schedule = options.schedule ?? realSchedule;
  }

  start(): void {
    this.next();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  private next(): void {
    if (this.stopped) return;
    this.cancelTimer = this.schedule(this.options.intervalMs, () => void this.check());
  }

  private async check(): Promise<void> {
    this.cancelTimer = undefined;
    const verdict = await this.options.probe();
    if (this.stopped) return;
    if (verdict.alive) {
      this.failed = 0;
    } else if (++this.failed >= this.options.misses) {
      this.stop();
      this.options.onLost(verdict.reason);
      return;
    }
    this.next();
  }
}
