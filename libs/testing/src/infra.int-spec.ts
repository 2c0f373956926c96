import { connect } from 'nats';
import { startNatsServer } from './infra';
import { canConnect } from './ports';

/**
 * The NATS fallback used on a machine without NATS running: proven here, not assumed. (The embedded
 * Postgres fallback is ESM-only and cannot load inside a jest worker; e2e/ proves it through the
 * launcher, which uses it the same way.)
 */
describe('private test infrastructure', () => {
  it('starts nats-server from PATH with JetStream and stops it', async () => {
    const sut = await startNatsServer();
    const port = Number(new URL(sut.url.replace('nats://', 'http://')).port);
    try {
      const nc = await connect({ servers: sut.url });
      const jsm = await nc.jetstreamManager();
      expect((await jsm.getAccountInfo()).limits).toBeTruthy();
      await nc.close();
    } finally {
      await sut.stop?.();
    }
    expect(await canConnect('127.0.0.1', port)).toBe(false);
  });
});
