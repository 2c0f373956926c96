export interface TokenBucketOptions {
  /** Tokens added per second (the steady rate). */
  refillPerS: number;
  /** Bucket size: how many requests may come at once. */
  burst: number;
  /** Most buckets kept; beyond it the least recently used goes (it is then simply full again). */
  maxBuckets?: number;
}

export type TakeResult = { allowed: true } | { allowed: false; retryAfterS: number };

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * Token buckets per key, in this process's memory. A bucket idle long enough to be full again is
 * indistinguishable from a new one, so it is dropped; the map is kept in least-recently-used order.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxBuckets: number;
  private readonly refillAfterMs: number;
  private lastSweepMs = 0;

  constructor(private readonly options: TokenBucketOptions) {
    this.maxBuckets = options.maxBuckets ?? 10_000;
    this.refillAfterMs = (options.burst / options.refillPerS) * 1_000;
  }

  /** Takes one token for `key` at `nowMs`, or says in how many whole seconds (≥1) one will be there. */
  take(key: string, nowMs: number): TakeResult {
    this.sweep(nowMs);
    const { refillPerS, burst } = this.options;
    const bucket = this.buckets.get(key) ?? { tokens: burst, updatedMs: nowMs };
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

  /** At most once per refill period: drops the buckets (oldest first) that are full again. */
  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < Math.max(this.refillAfterMs, 1_000)) return;
    this.lastSweepMs = nowMs;
    for (const [key, bucket] of this.buckets) {
      if (nowMs - bucket.updatedMs < this.refillAfterMs) break;
      this.buckets.delete(key);
    }
  }
}
