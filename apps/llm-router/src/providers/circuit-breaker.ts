export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit rejects before letting one probe through (the first time it opens). */
  coolDownMs: number;
  /**
   * Each failed probe doubles the cool-down, up to this (default: `coolDownMs`, no growth). A
   * recovered provider is probed within `coolDownMs` of its first outage, a long outage costs at
   * most one probe per `maxCoolDownMs`.
   */
  maxCoolDownMs?: number;
  /** Monotonic milliseconds; injected in tests. */
  now?: () => number;
}

/** 2 s: a provider that came back is used again by the next turn or two, not 30 s later. */
export const DEFAULT_BREAKER_OPTIONS: CircuitBreakerOptions = { failureThreshold: 3, coolDownMs: 2_000, maxCoolDownMs: 30_000 };

/**
 * Closed → (N consecutive failures) → open → (cool-down) → half-open: exactly one probe at a time;
 * its success closes the circuit, its failure opens it for a cool-down twice as long (capped).
 */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openedAtMs: number | undefined;
  private currentCoolDownMs: number;
  private trialInFlight = false;
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.now = options.now ?? (() => performance.now());
    this.currentCoolDownMs = options.coolDownMs;
  }

  get state(): CircuitState {
    if (this.openedAtMs === undefined) return 'closed';
    return this.now() - this.openedAtMs >= this.currentCoolDownMs ? 'half_open' : 'open';
  }

  /** Consecutive failures so far (the ones that opened the circuit, and failed probes). */
  get failures(): number {
    return this.consecutiveFailures;
  }

  /** The cool-down the circuit is (or was last) open for. */
  get coolDownMs(): number {
    return this.currentCoolDownMs;
  }

  /** Milliseconds until an open circuit lets a probe through (0 when not open). */
  get retryInMs(): number {
    if (this.openedAtMs === undefined) return 0;
    return Math.max(0, this.currentCoolDownMs - (this.now() - this.openedAtMs));
  }

  /** True when a call may go ahead; in half-open the caller becomes the one probe. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.openedAtMs = undefined;
    this.currentCoolDownMs = this.options.coolDownMs;
    this.trialInFlight = false;
  }

  recordFailure(): void {
    this.consecutiveFailures++;
    if (this.trialInFlight) {
      // The probe failed: the provider is still down; wait longer before the next one.
      this.currentCoolDownMs = Math.min(this.currentCoolDownMs * 2, Math.max(this.options.maxCoolDownMs ?? 0, this.options.coolDownMs));
      this.openedAtMs = this.now();
    } else if (this.openedAtMs === undefined && this.consecutiveFailures >= this.options.failureThreshold) {
      this.openedAtMs = this.now();
    }
    this.trialInFlight = false;
  }

  /** The call ended without saying anything about the endpoint (aborted, our own bad request). */
  release(): void {
    this.trialInFlight = false;
  }
}

/** One breaker per provider endpoint, shared by every session of this process. */
export class CircuitBreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(private readonly options: CircuitBreakerOptions = DEFAULT_BREAKER_OPTIONS) {}

  for(endpoint: string): CircuitBreaker {
    let breaker = this.breakers.get(endpoint);
    if (!breaker) {
      breaker = new CircuitBreaker(this.options);
      this.breakers.set(endpoint, breaker);
    }
    return breaker;
  }
}
