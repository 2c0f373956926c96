export interface BucketLimits {
  /** Tokens added per second (the steady rate); may be a fraction (0.5 = one every 2 s). */
  refillPerS: number;
  /** Bucket size: how many requests may come at once. */
  burst: number;
}

export interface TokenBucketOptions extends BucketLimits {
  /** Most buckets kept; beyond it the least recently used goes (it is then simply full again). */
  maxBuckets?: number;
}

export type TakeResult = { allowed: true } | { allowed: false; retryAfterS: number };

interface Bucket {
  tokens: number;
  updatedMs: number;
  /** Idle this long, the bucket is full again. */
  refillAfterMs: number;
}

const refillAfterMs = ({ burst, refillPerS }: BucketLimits) => (burst / refillPerS) * 1_000;
const SWEEP_EVERY_MS = 1_000;

/**
 * Token buckets per key, in this process's memory. A bucket idle long enough to be full again is
 * indistinguishable from a new one, so it is dropped; the map is kept in least-recently-used order.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxBuckets: number;
  private lastSweepMs = 0;

  constructor(private readonly options: TokenBucketOptions) {
    this.maxBuckets = options.maxBuckets ?? 10_000;
  }

  /**
   * Takes one token for `key` at `nowMs`, or says in how many whole seconds (≥1) one will be there.
   * `limits` override the defaults for this key (a key with its own rate).
   */
  take(key: string, nowMs: number, limits: BucketLimits = this.options): TakeResult {
    this.sweep(nowMs);
    const { refillPerS, burst } = limits;
    const bucket = this.buckets.get(key) ?? { tokens: burst, updatedMs: nowMs, refillAfterMs: refillAfterMs(limits) };
    bucket.refillAfterMs = refillAfterMs(limits);
    const elapsedMs = Math.max(0, nowMs - bucket.updatedMs);
    bucket.tokens = Math.min(burst, bucket.tokens + (elapsedMs / 1_000) * refillPerS);
    bucket.updatedMs = nowMs;
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxBuckets) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterS: Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerS)) };
  }

  get size(): number {
    return this.buckets.size;
  }

  /**
   * At most once a second: drops the buckets that are full again. Least recently used come first,
   * so the walk stops at the first bucket used within the default refill period; a key with a
   * slower rate of its own is simply skipped until it is full.
   */
  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < SWEEP_EVERY_MS) return;
    this.lastSweepMs = nowMs;
    const defaultRefillMs = refillAfterMs(this.options);
    for (const [key, bucket] of this.buckets) {
      const idleMs = nowMs - bucket.updatedMs;
      if (idleMs >= bucket.refillAfterMs) this.buckets.delete(key);
      else if (idleMs < defaultRefillMs) break;
    }
  }
}
