import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { isPlainObject } from './plugin-registry';
import { PluginSecretsError, PluginSecretsErrorCode } from './plugin-secrets.errors';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_TEXT = /^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/]{43}=)$/;

/** A secret field at rest: AES-256-GCM under key `kid`, bound to its agent, plugin and field. */
export interface EncryptedField {
  $enc: 'v1';
  kid: string;
  iv: string;
  ct: string;
  tag: string;
}

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** Where a secret lives; the additional authenticated data, so a ciphertext cannot be moved. */
export interface FieldLocation {
  agentId: string;
  pluginType: string;
  field: string;
}

/** `<key id>:<base64 32 bytes>` → key. */
export function parseEncryptionKey(text: string): EncryptionKey {
  const match = KEY_TEXT.exec(text.trim());
  const key = match ? Buffer.from(match[2] ?? '', 'base64') : undefined;
  if (!match || !key || key.length !== KEY_BYTES) {
    throw new PluginSecretsError(PluginSecretsErrorCode.InvalidKey, 'encryption key must be <key id>:<32 bytes in base64>');
  }
  return { id: match[1] ?? '', key };
}

/** A fresh key as text, `k<yyyymmdd><4 hex>:<base64>`. */
export function generateEncryptionKey(now = new Date()): string {
  const date = now.toISOString().slice(0, 10).replaceAll('-', '');
  return `k${date}${randomBytes(2).toString('hex')}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

/** The current key (encrypts and decrypts) and old keys (decrypt only), by id. */
export class KeyRing {
  private readonly byId = new Map<string, EncryptionKey>();

  constructor(
    readonly current: EncryptionKey | undefined,
    old: EncryptionKey[] = [],
  ) {
    for (const key of old) this.byId.set(key.id, key);
    if (current) this.byId.set(current.id, current);
  }

  /** From `VOXBRIDGE_ENCRYPTION_KEY` / `VOXBRIDGE_ENCRYPTION_OLD_KEYS` (comma-separated). */
  static fromText(current?: string, old?: string): KeyRing {
    const olds = (old ?? '')
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .map(parseEncryptionKey);
    return new KeyRing(current ? parseEncryptionKey(current) : undefined, olds);
  }

  get(kid: string): EncryptionKey | undefined {
    return this.byId.get(kid);
  }
}

export function isEncryptedField(value: unknown): value is EncryptedField {
  return (
    isPlainObject(value) &&
    value['$enc'] === 'v1' &&
    typeof value['kid'] === 'string' &&
    typeof value['iv'] === 'string' &&
    typeof value['ct'] === 'string' &&
    typeof value['tag'] === 'string'
  );
}

function aad(at: FieldLocation): Buffer {
  return Buffer.from(['voxbridge.plugin-secret.v1', at.agentId, at.pluginType, at.field].join('\u0000'), 'utf8');
}

function where(at: FieldLocation): string {
  return `plugins.${at.pluginType}.${at.field}`;
}

export function encryptField(plaintext: string, key: EncryptionKey, at: FieldLocation): EncryptedField {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(at));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { $enc: 'v1', kid: key.id, iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/** Throws PluginSecretsError `unknown_key` or `decrypt_failed`; never includes the value. */
export function decryptField(value: EncryptedField, ring: KeyRing, at: FieldLocation): string {
  const key = ring.get(value.kid);
  if (!key) {
    throw new PluginSecretsError(PluginSecretsErrorCode.UnknownKey, `${where(at)} is encrypted under unknown key id ${value.kid}`, where(at));
  }
  const iv = Buffer.from(value.iv, 'base64');
  const tag = Buffer.from(value.tag, 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new PluginSecretsError(PluginSecretsErrorCode.DecryptFailed, `${where(at)} has a malformed iv or tag`, where(at));
  }
  try {
    const decipher = createDecipheriv(ALGORITHM, key.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(at));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(value.ct, 'base64')), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new PluginSecretsError(PluginSecretsErrorCode.DecryptFailed, `${where(at)} could not be decrypted with key ${value.kid}`, where(at), {
      cause: error,
    });
  }
}
