import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Fernet (https://github.com/fernet/spec), as Python's `cryptography` writes it: the key is 32
// bytes in url-safe base64 (signing key = first 16, AES-128 key = last 16); a token is
// base64url(0x80 | timestamp (8 bytes, big-endian s) | IV (16) | AES-128-CBC/PKCS7 ciphertext | HMAC-SHA256 (32)).

const VERSION = 0x80;
const HEADER_BYTES = 1 + 8 + 16;
const HMAC_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

export enum FernetErrorCode {
  InvalidKey = 'invalid_key',
  InvalidToken = 'invalid_token',
  /** The HMAC does not match: another key made this token, or it was changed. */
  BadSignature = 'bad_signature',
}

export class FernetError extends Error {
  override readonly name = 'FernetError';

  constructor(
    readonly code: FernetErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface FernetKey {
  signingKey: Buffer;
  encryptionKey: Buffer;
}

function fromBase64Url(text: string): Buffer | undefined {
  return BASE64URL.test(text) ? Buffer.from(text, 'base64url') : undefined;
}

/** A Fernet key as Python's `Fernet.generate_key()` prints it. Throws `invalid_key`; never echoes the key. */
export function parseFernetKey(text: string): FernetKey {
  const bytes = fromBase64Url(text.trim());
  if (!bytes || bytes.length !== 32) {
    throw new FernetError(FernetErrorCode.InvalidKey, 'a Fernet key is 32 bytes in url-safe base64 (44 characters)');
  }
  return { signingKey: bytes.subarray(0, 16), encryptionKey: bytes.subarray(16) };
}

/** Verifies the HMAC, then decrypts. Throws `invalid_token` or `bad_signature`. No TTL: stored secrets do not expire. */
export function fernetDecrypt(token: string, key: FernetKey): Buffer {
  const data = fromBase64Url(token.trim());
  if (!data || data.length < HEADER_BYTES + 16 + HMAC_BYTES || data[0] !== VERSION || (data.length - HEADER_BYTES - HMAC_BYTES) % 16 !== 0) {
    throw new FernetError(FernetErrorCode.InvalidToken, 'not a Fernet token');
  }
  const signed = data.subarray(0, data.length - HMAC_BYTES);
  const expected = createHmac('sha256', key.signingKey).update(signed).digest();
  if (!timingSafeEqual(expected, data.subarray(data.length - HMAC_BYTES))) {
    throw new FernetError(FernetErrorCode.BadSignature, 'the Fernet signature does not match this key');
  }
  try {
    const decipher = createDecipheriv('aes-128-cbc', key.encryptionKey, data.subarray(9, HEADER_BYTES));
    return Buffer.concat([decipher.update(data.subarray(HEADER_BYTES, data.length - HMAC_BYTES)), decipher.final()]);
  } catch (error) {
    throw new FernetError(FernetErrorCode.InvalidToken, 'the Fernet token is signed but its ciphertext is malformed', { cause: error });
  }
}

/** For tests and tooling: a token Python's `Fernet(key).decrypt` accepts. */
export function fernetEncrypt(plaintext: Buffer | string, key: FernetKey, now = new Date(), iv: Buffer = randomBytes(16)): string {
  const cipher = createCipheriv('aes-128-cbc', key.encryptionKey, iv);
  const ciphertext = Buffer.concat([cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext), cipher.final()]);
  const header = Buffer.alloc(9);
  header[0] = VERSION;
  header.writeBigUInt64BE(BigInt(Math.floor(now.getTime() / 1000)), 1);
  const signed = Buffer.concat([header, iv, ciphertext]);
  const hmac = createHmac('sha256', key.signingKey).update(signed).digest();
  // Python emits url-safe base64 with padding.
  const text = Buffer.concat([signed, hmac]).toString('base64url');
  return text + '='.repeat((4 - (text.length % 4)) % 4);
}

/** For tests and tooling: a fresh key as Python's `Fernet.generate_key()` would print it. */
export function generateFernetKey(): string {
  return randomBytes(32).toString('base64').replaceAll('+', '-').replaceAll('/', '_');
}
