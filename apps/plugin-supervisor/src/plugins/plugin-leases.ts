import { createHash } from 'node:crypto';

/**
 * The lease key of one agent's plugin of one type: a UUID (what the lease protocol takes), the
 * same on every replica. The leases themselves are libs/bus LeasedWork under the `plugins` domain.
 */
export function pluginLeaseId(agentId: string, pluginType: string): string {
  const hex = createHash('sha256').update(`${agentId}/${pluginType}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
