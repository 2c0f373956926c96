import { randomBytes } from 'node:crypto';
import { startInfra } from '../infra';
import { TEST_ENV } from '../test-env';

/** Jest globalSetup: one NATS + Postgres (+ a fresh database) for the whole run, shared with workers by env. */
export default async function globalSetup(): Promise<void> {
  // Named in every namespace and database the run creates, so the teardown finds what is left.
  process.env[TEST_ENV.runId] = randomBytes(3).toString('hex');
  // VB_TEST_PRIVATE_INFRA=1 ignores the local servers and starts private ones (to try a bare machine).
  const infra = await startInfra({ privateServers: process.env['VB_TEST_PRIVATE_INFRA'] === '1' });
  process.env[TEST_ENV.natsUrl] = infra.natsUrl;
  process.env[TEST_ENV.databaseUrl] = infra.databaseUrl;
  process.env[TEST_ENV.serverUrl] = infra.serverUrl;
  (globalThis as { __VB_INFRA__?: unknown }).__VB_INFRA__ = infra;
  console.log(`\ninfra: NATS ${infra.sources.nats} ${infra.natsUrl}, Postgres ${infra.sources.postgres} (run database ${new URL(infra.databaseUrl).pathname.slice(1)})`);
}
