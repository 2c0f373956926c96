import { createHash } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Namespace of the ids the importer derives (UUIDv5) from VoxBridge 2.0 ids that are not UUIDs. Never change it. */
export const IMPORT_NAMESPACE = '3c1f6a0e-8d2b-5e47-9b1a-6f0d2c4e8a73';

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** RFC 9562 UUIDv5 of `name` in `namespace`. */
export function uuidV5(name: string, namespace = IMPORT_NAMESPACE): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The fleet id of a VoxBridge 2.0 row: its own UUID (lower case), else a UUIDv5 of `<table>:<id>`. Stable across runs. */
export function stableId(table: string, originalId: string | number): string {
  const text = String(originalId);
  return isUuid(text) ? text.toLowerCase() : uuidV5(`${table}:${text}`);
}
