import { CircuitBreaker, CircuitBreakerRegistry } from './circuit-breaker';

describe(CircuitBreaker.name, () => {
  let nowMs: number;
  let sut: CircuitBreaker;

  beforeEach(() => {
    nowMs = 1_000;
    sut = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 10_000, now: () => nowMs });
  });

  const fail = (times: number) => {
    for (let i = 0; i < times; i++) {
      expect(sut.tryAcquire()).toBe(true);
      sut.recordFailure();
    }
  };

  it('stays closed below the threshold, and a success resets the count', () => {
    fail(2);
    sut.recordSuccess();
    fail(2);
    expect(sut.state).toBe('closed');
    expect(sut.tryAcquire()).toBe(true);
  });

  it('opens after N consecutive failures and rejects calls during the cool-down', () => {
    fail(3);
    expect(sut.state).toBe('open');
    expect(sut.tryAcquire()).toBe(false);
    nowMs += 9_999;
    expect(sut.tryAcquire()).toBe(false);
    expect(sut.retryInMs).toBe(1);
  });

  it('lets exactly one trial through when half-open; its success closes the circuit', () => {
    fail(3);
    nowMs += 10_000;
    expect(sut.state).toBe('half_open');
    expect(sut.tryAcquire()).toBe(true);
    expect(sut.tryAcquire()).toBe(false);
    sut.recordSuccess();
    expect(sut.state).toBe('closed');
    expect(sut.tryAcquire()).toBe(true);
  });

  it('reopens for a full cool-down when the half-open trial fails', () => {
    fail(3);
    nowMs += 10_000;
    expect(sut.tryAcquire()).toBe(true);
    sut.recordFailure();
    expect(sut.state).toBe('open');
    nowMs += 5_000;
    expect(sut.tryAcquire()).toBe(false);
    nowMs += 5_000;
    expect(sut.state).toBe('half_open');
  });

  it('frees the trial slot when the trial ends without a verdict (aborted)', () => {
    fail(3);
    nowMs += 10_000;
    expect(sut.tryAcquire()).toBe(true);
    sut.release();
    expect(sut.state).toBe('half_open');
    expect(sut.tryAcquire()).toBe(true);
  });

  it('lets the recovered provider serve the next call after one short cool-down, not a long one', () => {
    sut = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 2_000, maxCoolDownMs: 30_000, now: () => nowMs });
    fail(3);
    expect(sut.tryAcquire()).toBe(false);
    nowMs += 2_000;
    expect(sut.tryAcquire()).toBe(true);
    sut.recordSuccess();
    expect(sut.state).toBe('closed');
    expect(sut.failures).toBe(0);
  });

  it('doubles the cool-down after each failed probe, up to the maximum, and starts short again after a success', () => {
    sut = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 2_000, maxCoolDownMs: 5_000, now: () => nowMs });
    fail(3);
    expect(sut.coolDownMs).toBe(2_000);
    const probeFails = () => {
      nowMs += sut.retryInMs;
      expect(sut.tryAcquire()).toBe(true);
      sut.recordFailure();
    };
    probeFails();
    expect(sut.coolDownMs).toBe(4_000);
    expect(sut.retryInMs).toBe(4_000);
    probeFails();
    expect(sut.coolDownMs).toBe(5_000);
    probeFails();
    expect(sut.coolDownMs).toBe(5_000);
    nowMs += 5_000;
    expect(sut.tryAcquire()).toBe(true);
    sut.recordSuccess();
    fail(3);
    expect(sut.coolDownMs).toBe(2_000);
  });

  it('does not extend the cool-down when a call started before the circuit opened fails late', () => {
    fail(3);
    nowMs += 6_000;
    sut.recordFailure();
    expect(sut.retryInMs).toBe(4_000);
  });
});

describe(CircuitBreakerRegistry.name, () => {
  it('keeps one breaker per endpoint', () => {
    const sut = new CircuitBreakerRegistry({ failureThreshold: 1, coolDownMs: 1_000, now: () => 0 });
    sut.for('http://a/v1').recordFailure();
    expect(sut.for('http://a/v1').state).toBe('open');
    expect(sut.for('http://b/v1').state).toBe('closed');
  });
});
