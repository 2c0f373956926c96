import { READINESS_CHECK_DEADLINE_MS, ReadinessRegistry, type DeadlineTimer } from './readiness.registry';

/** A timer the test fires by hand: no clock is read, no test waits for real time. */
function manualTimer() {
  const pending: Array<{ ms: number; expired: () => void; cancelled: boolean }> = [];
  const timer: DeadlineTimer = {
    start(ms, expired) {
      const entry = { ms, expired, cancelled: false };
      pending.push(entry);
      return () => {
        entry.cancelled = true;
      };
    },
  };
  const fireAll = () => pending.filter((e) => !e.cancelled).forEach((e) => e.expired());
  return { timer, pending, fireAll };
}

describe(ReadinessRegistry.name, () => {
  it('is ready when every check passes', async () => {
    const sut = new ReadinessRegistry();
    sut.register('nats', () => undefined);
    sut.register('database', async () => undefined);
    await expect(sut.run()).resolves.toEqual({ ready: true, checks: { nats: 'up', database: 'up' } });
  });

  it('names the failing check and why', async () => {
    const sut = new ReadinessRegistry();
    sut.register('nats', () => undefined);
    sut.register('database', () => Promise.reject(new Error('connection refused')));
    await expect(sut.run()).resolves.toEqual({ ready: false, checks: { nats: 'up', database: 'down: connection refused' } });
  });

  it('gives each check the ~150 ms deadline by default, started at once for every check', async () => {
    const { timer, pending, fireAll } = manualTimer();
    const sut = new ReadinessRegistry();
    sut.useTimer(timer);
    sut.register('nats', () => new Promise<void>(() => undefined));
    sut.register('database', () => new Promise<void>(() => undefined));
    const report = sut.run();
    await Promise.resolve();
    expect(READINESS_CHECK_DEADLINE_MS).toBeLessThanOrEqual(150);
    expect(pending.map((e) => e.ms)).toEqual([READINESS_CHECK_DEADLINE_MS, READINESS_CHECK_DEADLINE_MS]);
    fireAll();
    await expect(report).resolves.toEqual({
      ready: false,
      checks: { nats: `down: no answer within ${READINESS_CHECK_DEADLINE_MS} ms`, database: `down: no answer within ${READINESS_CHECK_DEADLINE_MS} ms` },
    });
  });

  it('answers as soon as the deadline passes for a hanging check (a frozen database), naming it, while the others are up', async () => {
    const { timer, fireAll } = manualTimer();
    const sut = new ReadinessRegistry();
    sut.useTimer(timer);
    sut.register('nats', () => undefined);
    sut.register('database', () => new Promise<void>(() => undefined));
    const report = sut.run(150);
    await new Promise((resolve) => setImmediate(resolve));
    fireAll();
    await expect(report).resolves.toEqual({ ready: false, checks: { nats: 'up', database: 'down: no answer within 150 ms' } });
  });

  it('cancels the deadline of a check that answered', async () => {
    const { timer, pending } = manualTimer();
    const sut = new ReadinessRegistry();
    sut.useTimer(timer);
    sut.register('database', async () => undefined);
    await sut.run();
    expect(pending.every((e) => e.cancelled)).toBe(true);
  });

  it('does not wait forever for a hanging check on the real timer', async () => {
    const sut = new ReadinessRegistry();
    sut.register('database', () => new Promise<void>(() => undefined));
    await expect(sut.run(30)).resolves.toEqual({ ready: false, checks: { database: 'down: no answer within 30 ms' } });
  });
});
