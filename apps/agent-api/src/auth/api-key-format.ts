import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'vbk_';
const KEY_BYTES = 32;
/** Shortest accepted key body (VOXBRIDGE_BOOTSTRAP_ADMIN_KEY allows 32+ characters); longest we bother hashing. */
const API_KEY_SHAPE = /^vbk_[A-Za-z0-9_-]{32,200}$/;

/** A new key: `vbk_` + 32 random bytes in base64url (43 characters). */
export function generateApiKey(random: (size: number) => Buffer = randomBytes): string {
  return `${API_KEY_PREFIX}${random(KEY_BYTES).toString('base64url')}`;
}

/** Whether `token` can be a key at all; anything else is refused without a database look-up. */
export function isApiKeyShaped(token: string): boolean {
  return API_KEY_SHAPE.test(token);
}

/**
 * sha256 hex of the whole key. A fast unsalted hash is right here (unlike for passwords): keys
 * carry 256 random bits, so there is nothing to brute-force or look up in a table, and a fast
 * hash keeps authentication cheap on every request.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The 8 characters after `vbk_`, shown in lists to tell keys apart. */
export function apiKeyPrefix(key: string): string {
  return key.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + 8);
}
