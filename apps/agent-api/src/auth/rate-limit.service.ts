import { Injectable } from '@nestjs/common';
import { AgentApiEnv } from '../config/agent-api.env';
import type { Principal } from './principal';
import { TokenBuckets, type BucketLimits, type TakeResult } from './token-bucket';

/**
 * Requests per API key: the key's own rate and burst when it has them, else RATE_LIMIT_PER_SECOND
 * steady and RATE_LIMIT_BURST at once. Counted in this replica's memory, so N replicas behind a
 * load balancer allow up to N times the rate.
 */
@Injectable()
export class RateLimitService {
  private readonly buckets: TokenBuckets;
  private readonly defaults: BucketLimits;

  constructor(config: AgentApiEnv) {
    this.defaults = { refillPerS: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST };
    this.buckets = new TokenBuckets(this.defaults);
  }

  take(principal: Pick<Principal, 'keyId' | 'rateLimit'>): TakeResult {
    const { perSecond, burst } = principal.rateLimit;
    const limits = { refillPerS: perSecond ?? this.defaults.refillPerS, burst: burst ?? this.defaults.burst };
    return this.buckets.take(principal.keyId, Date.now(), limits);
  }
}
