import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LauncherError, LauncherErrorCode } from './launcher.errors';

export const ADMIN_KEY_FILE = 'admin-key';
export const ENCRYPTION_KEY_FILE = 'encryption-key';
/** As agent-api accepts it (VOXBRIDGE_BOOTSTRAP_ADMIN_KEY) and generates its own keys. */
const ADMIN_KEY = /^vbk_[A-Za-z0-9_-]{32,}$/;
/** As every service accepts VOXBRIDGE_ENCRYPTION_KEY: `<key id>:<base64 of 32 bytes>`. */
const ENCRYPTION_KEY = /^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=$/;

type Random = (size: number) => Buffer;

/** `vbk_` + 32 random bytes in base64url: the format of agent-api's API keys. */
export function newAdminKey(random: Random = randomBytes): string {
  return `vbk_${random(32).toString('base64url')}`;
}

/** `k<yyyymmdd>:<base64 of 32 random bytes>`, the id telling keys apart once they rotate. */
export function newEncryptionKey(now: Date, random: Random = randomBytes): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  return `k${day}:${random(32).toString('base64')}`;
}

export interface StoredSecret {
  value: string;
  file: string;
  /** Made by this start (so the admin key may be shown, once). */
  created: boolean;
}

/**
 * The secret kept in `file`, created (0600, never overwritten) with `generate()` if the file does
 * not exist. A file whose content does not have the expected shape stops the launcher, naming the
 * file but not its content.
 */
export function storedSecret(file: string, shape: RegExp, generate: () => string): StoredSecret {
  try {
    writeFileSync(file, `${generate()}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600); // in case the umask took bits away, or added none
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const value = readFileSync(file, 'utf8').trim();
    if (!shape.test(value)) {
      throw new LauncherError(LauncherErrorCode.BadConfig, `${file} does not hold a valid key — fix or delete it (a new one is then generated)`);
    }
    return { value, file, created: false };
  }
  return { value: readFileSync(file, 'utf8').trim(), file, created: true };
}

export interface LauncherSecrets {
  /** The admin key the launcher manages; null when the user set VOXBRIDGE_BOOTSTRAP_ADMIN_KEY. */
  adminKey: StoredSecret | null;
  /** The encryption key the launcher manages; null when the user set VOXBRIDGE_ENCRYPTION_KEY. */
  encryptionKey: StoredSecret | null;
}

/**
 * The secrets a local fleet needs without any setup: the first admin API key and the key that
 * encrypts plugin secrets, each generated once into the launcher's home. Values the user set in
 * the environment win and are passed through untouched.
 */
export function prepareSecrets(home: string, env: NodeJS.ProcessEnv, now: Date, random: Random = randomBytes): LauncherSecrets {
  return {
    adminKey: env['VOXBRIDGE_BOOTSTRAP_ADMIN_KEY'] ? null : storedSecret(join(home, ADMIN_KEY_FILE), ADMIN_KEY, () => newAdminKey(random)),
    encryptionKey: env['VOXBRIDGE_ENCRYPTION_KEY']
      ? null
      : storedSecret(join(home, ENCRYPTION_KEY_FILE), ENCRYPTION_KEY, () => newEncryptionKey(now, random)),
  };
}
