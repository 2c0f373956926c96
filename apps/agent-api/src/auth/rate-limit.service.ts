import { Injectable } from '@nestjs/common';
import { AgentApiEnv } from '../config/agent-api.env';
import { TokenBuckets, type TakeResult } from './token-bucket';

/**
 * Requests per API key: RATE_LIMIT_PER_SECOND steady, RATE_LIMIT_BURST at once. Counted in this
 * replica's memory, so N replicas behind a load balancer allow up to N times the rate.
 */
@Injectable()
export class RateLimitService {
  private readonly buckets: TokenBuckets;

  constructor(config: AgentApiEnv) {
    this.buckets = new TokenBuckets({ refillPerS: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST });
  }

  take(keyId: string): TakeResult {
    return this.buckets.take(keyId, Date.now());
  }
}
