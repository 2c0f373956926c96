import { decryptField, encryptField, isEncryptedField, type KeyRing } from './field-crypto';
import {
  isMaskedSecret,
  isPlainObject,
  isPluginType,
  secretFieldsOf,
  type MaskedSecret,
  type PluginConfig,
  type PluginsConfig,
} from './plugin-registry';
import { PluginSecretsError, PluginSecretsErrorCode } from './plugin-secrets.errors';

/** Values shorter than this show no last4: four characters of a short secret give too much away. */
export const LAST4_MIN_LENGTH = 12;

export function maskSecret(plaintext: string | undefined): MaskedSecret {
  return plaintext !== undefined && plaintext.length >= LAST4_MIN_LENGTH ? { set: true, last4: plaintext.slice(-4) } : { set: true };
}

function secretFields(type: string): readonly string[] {
  return isPluginType(type) ? secretFieldsOf(type) : [];
}

/**
 * What to store for a client's `plugins` (already checked by `pluginsProblems`), given what is
 * stored now. Per secret field: a string is encrypted under the current key; the masked value or an
 * absent field keeps the stored secret; `null` clears it. Non-secret fields are taken as sent.
 * Throws `encryption_key_missing` (nothing stored) when a secret must be encrypted without a key.
 */
export function sealPlugins(agentId: string, incoming: PluginsConfig, stored: PluginsConfig, ring: KeyRing): PluginsConfig {
  const sealed: PluginsConfig = {};
  for (const [pluginType, config] of Object.entries(incoming)) {
    const before: Record<string, unknown> = isPlainObject(stored[pluginType]) ? stored[pluginType] : {};
    const secrets = secretFields(pluginType);
    const out: PluginConfig = { ...config, enabled: config.enabled === true };
    for (const field of secrets) {
      const value = config[field];
      const at = { agentId, pluginType, field };
      const path = `plugins.${pluginType}.${field}`;
      delete out[field];
      if (value === null) continue;
      let plaintext: string | undefined;
      if (value === undefined || isMaskedSecret(value)) {
        const kept = before[field];
        if (kept === undefined || kept === null) {
          if (value === undefined) continue;
          throw new PluginSecretsError(PluginSecretsErrorCode.NoStoredSecret, `${path} has no stored secret to keep`, path);
        }
        if (isEncryptedField(kept)) {
          out[field] = kept;
          continue;
        }
        // Plaintext left by an import: encrypt it now if we can, else leave it for `secrets reencrypt`.
        if (!ring.current || typeof kept !== 'string') {
          out[field] = kept;
          continue;
        }
        plaintext = kept;
      } else {
        plaintext = String(value);
      }
      if (!ring.current) {
        throw new PluginSecretsError(
          PluginSecretsErrorCode.EncryptionKeyMissing,
          `${path} is a secret and VOXBRIDGE_ENCRYPTION_KEY is not configured; nothing was stored`,
          path,
        );
      }
      out[field] = encryptField(plaintext, ring.current, at);
    }
    sealed[pluginType] = out;
  }
  return sealed;
}

/**
 * The stored `plugins` as responses show them: each secret field replaced by `{set, last4?}`.
 * A secret that cannot be decrypted still shows `{set: true}`; `onUnreadable` hears about it.
 */
export function maskPlugins(
  agentId: string,
  stored: PluginsConfig,
  ring: KeyRing,
  onUnreadable: (error: PluginSecretsError) => void = () => undefined,
): PluginsConfig {
  const masked: PluginsConfig = {};
  for (const [pluginType, config] of Object.entries(stored)) {
    const out: PluginConfig = { ...config };
    for (const field of secretFields(pluginType)) {
      const value = config[field];
      if (value === undefined || value === null) continue;
      if (typeof value === 'string') {
        out[field] = maskSecret(value);
      } else if (isEncryptedField(value)) {
        try {
          out[field] = maskSecret(decryptField(value, ring, { agentId, pluginType, field }));
        } catch (error) {
          if (!(error instanceof PluginSecretsError)) throw error;
          onUnreadable(error);
          out[field] = { set: true };
        }
      } else {
        out[field] = { set: true };
      }
    }
    masked[pluginType] = out;
  }
  return masked;
}

/** The stored `plugins` with secrets in plaintext, for whoever runs the plugins. Throws when one cannot be read. */
export function revealPlugins(agentId: string, stored: PluginsConfig, ring: KeyRing): PluginsConfig {
  const revealed: PluginsConfig = {};
  for (const [pluginType, config] of Object.entries(stored)) {
    const out: PluginConfig = { ...config };
    for (const field of secretFields(pluginType)) {
      const value = config[field];
      if (isEncryptedField(value)) out[field] = decryptField(value, ring, { agentId, pluginType, field });
    }
    revealed[pluginType] = out;
  }
  return revealed;
}

export interface ReencryptCounts {
  /** Encrypted under an old key, now under the current one. */
  reencrypted: number;
  /** Plaintext (from an import), now encrypted. */
  encrypted: number;
}

export interface ReencryptResult {
  plugins: PluginsConfig;
  /** Per plugin type that changed. Empty when everything is already under the current key. */
  changes: Record<string, ReencryptCounts>;
}

/** Moves every secret field of one agent under the current key. Idempotent. */
export function reencryptPlugins(agentId: string, stored: PluginsConfig, ring: KeyRing): ReencryptResult {
  const current = ring.current;
  if (!current) {
    throw new PluginSecretsError(PluginSecretsErrorCode.EncryptionKeyMissing, 'VOXBRIDGE_ENCRYPTION_KEY is not configured');
  }
  const plugins: PluginsConfig = {};
  const changes: Record<string, ReencryptCounts> = {};
  for (const [pluginType, config] of Object.entries(stored)) {
    const out: PluginConfig = { ...config };
    const counts: ReencryptCounts = { reencrypted: 0, encrypted: 0 };
    for (const field of secretFields(pluginType)) {
      const value = config[field];
      const at = { agentId, pluginType, field };
      if (typeof value === 'string') {
        out[field] = encryptField(value, current, at);
        counts.encrypted += 1;
      } else if (isEncryptedField(value) && value.kid !== current.id) {
        out[field] = encryptField(decryptField(value, ring, at), current, at);
        counts.reencrypted += 1;
      }
    }
    plugins[pluginType] = out;
    if (counts.encrypted + counts.reencrypted > 0) changes[pluginType] = counts;
  }
  return { plugins, changes };
}
