import { Injectable } from '@nestjs/common';

export type ReadinessCheck = () => Promise<void> | void;

export interface ReadinessReport {
  ready: boolean;
  /** `up`, or `down: <reason>`, per named check. */
  checks: Record<string, string>;
}

/**
 * How long one check may take before it counts as failing. `/ready` runs every check at once, so
 * it answers within this deadline (plus the time to write the answer) whatever hangs behind it: a
 * frozen database or a half-open NATS socket makes the replica not ready now, not in a second.
 */
export const READINESS_CHECK_DEADLINE_MS = 150;

/** The timer the deadline uses (tests inject one they fire by hand). */
export interface DeadlineTimer {
  start(ms: number, expired: () => void): () => void;
}

const realTimer: DeadlineTimer = {
  start(ms, expired) {
    const handle = setTimeout(expired, ms);
    handle.unref();
    return () => clearTimeout(handle);
  },
};

/** The named checks that decide whether this replica can do its work (NATS, the database...). */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();
  private timer: DeadlineTimer = realTimer;

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** Replaces the deadline's timer (tests). */
  useTimer(timer: DeadlineTimer): void {
    this.timer = timer;
  }

  /** Every check at once, each given `deadlineMs`; a check that has not answered by then is `down`, named. */
  async run(deadlineMs = READINESS_CHECK_DEADLINE_MS): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => [name, await outcome(check, deadlineMs, this.timer)] as const),
    );
    return { ready: entries.every(([, state]) => state === 'up'), checks: Object.fromEntries(entries) };
  }
}

async function outcome(check: ReadinessCheck, deadlineMs: number, timer: DeadlineTimer): Promise<string> {
  let cancel: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    cancel = timer.start(deadlineMs, () => reject(new Error(`no answer within ${deadlineMs} ms`)));
  });
  try {
    await Promise.race([Promise.resolve().then(check), deadline]);
    return 'up';
  } catch (error) {
    return `down: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    cancel?.();
  }
}
