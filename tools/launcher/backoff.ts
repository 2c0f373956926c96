export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** A process that ran this long before crashing counts as a fresh first crash. */
  stableAfterMs: number;
}

export const RESTART_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000, stableAfterMs: 60_000 };

/** Crashes in a row after one more crash of a process that ran for ranMs. */
export function crashesInARow(previous: number, ranMs: number, policy: BackoffPolicy = RESTART_BACKOFF): number {
  return ranMs >= policy.stableAfterMs ? 1 : previous + 1;
}

/** Wait before the next restart: 0.5 s after the first crash, doubling, at most 30 s. */
export function restartDelayMs(crashes: number, policy: BackoffPolicy = RESTART_BACKOFF): number {
  const exponent = Math.max(0, crashes - 1);
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(exponent, 30));
}
