import type { Infra } from '../infra';

export default async function globalTeardown(): Promise<void> {
  const infra = (globalThis as { __VB_INFRA__?: Infra }).__VB_INFRA__;
  await infra?.stop();
}
