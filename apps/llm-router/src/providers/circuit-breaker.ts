export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit rejects before letting one trial through. */
  coolDownMs: number;
  /** Monotonic milliseconds; injected in tests. */
  now?: () => number;
}

export const DEFAULT_BREAKER_OPTIONS: CircuitBreakerOptions = { failureThreshold: 3, coolDownMs: 30_000 };

/**
 * Closed → (N consecutive failures) → open → (cool-down) → half-open: exactly one trial at a time;
 * its success closes the circuit, its failure opens it for another cool-down.
 */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openedAtMs: number | undefined;
  private trialInFlight = false;
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  get state(): CircuitState {
    if (this.openedAtMs === undefined) return 'closed';
    return this.now() - this.openedAtMs >= this.options.coolDownMs ? 'half_open' : 'open';
  }

  /** Milliseconds until an open circuit lets a trial through (0 when not open). */
  get retryInMs(): number {
    if (this.openedAtMs === undefined) return 0;
    return Math.max(0, this.options.coolDownMs - (this.now() - this.openedAtMs));
  }

  /** True when a call may go ahead; in half-open the caller becomes the one trial. */
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
    this.trialInFlight = false;
  }

  recordFailure(): void {
    this.consecutiveFailures++;
    if (this.trialInFlight || this.consecutiveFailures >= this.options.failureThreshold) this.openedAtMs = this.now();
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
