import { ReadinessRegistry } from './readiness.registry';

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

  it('does not wait forever for a hanging check', async () => {
    const sut = new ReadinessRegistry();
    sut.register('database', () => new Promise<void>(() => undefined));
    await expect(sut.run(30)).resolves.toEqual({ ready: false, checks: { database: 'down: no answer within 30 ms' } });
  });
});
