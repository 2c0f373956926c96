import type { Infra } from '../infra';
import { TEST_ENV } from '../test-env';
import { removeRunLeftovers } from './leftovers';

export default async function globalTeardown(): Promise<void> {
  const infra = (globalThis as { __VB_INFRA__?: Infra }).__VB_INFRA__;
  if (!infra) return;
  const problems = await removeRunLeftovers(infra.natsUrl, infra.serverUrl, process.env[TEST_ENV.runId] ?? '');
  if (problems.length > 0) console.warn(`test cleanup left some things behind:\n  ${problems.join('\n  ')}`);
  await infra.stop();
}
