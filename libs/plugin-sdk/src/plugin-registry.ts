/**
 * The plugin types an agent can carry in `plugins`, and which of their fields are secrets (stored
 * encrypted, never returned). A new plugin type is one line here.
 */
export const PLUGIN_SECRET_FIELDS = {
  discord: ['bot_token'],
  n8n: ['webhook_url', 'secret'],
  slack: ['bot_token', 'signing_secret', 'app_token'],
  telegram: ['bot_token'],
  webhook: ['url', 'secret'],
  whatsapp: ['api_key', 'phone_number'],
  api: ['api_key', 'api_secret', 'oauth_token'],
  /** The worked example of docs/plugins.md (docs/plugins-example), run by plugin-supervisor through PLUGIN_MODULES. */
  'keyword-alert': ['url'],
} as const satisfies Record<string, readonly string[]>;

export type PluginType = keyof typeof PLUGIN_SECRET_FIELDS;
export const PLUGIN_TYPES = Object.keys(PLUGIN_SECRET_FIELDS) as PluginType[];

/** Longest secret value accepted (bot tokens are ~72 chars, URLs rarely pass 2 KB). */
export const MAX_SECRET_LENGTH = 4096;

/** One plugin's config: `enabled` plus free-form fields; secret fields hold ciphertext at rest. */
export interface PluginConfig {
  enabled: boolean;
  [field: string]: unknown;
}

/** `agents.plugins`: plugin type → config. */
export type PluginsConfig = Record<string, PluginConfig>;

/** What responses show instead of a secret. */
export interface MaskedSecret {
  set: true;
  last4?: string;
}

export function isPluginType(value: string): value is PluginType {
  return Object.prototype.hasOwnProperty.call(PLUGIN_SECRET_FIELDS, value);
}

export function secretFieldsOf(type: PluginType): readonly string[] {
  return PLUGIN_SECRET_FIELDS[type];
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{"set": true}` or `{"set": true, "last4": "…"}` exactly, as the API returns it. */
export function isMaskedSecret(value: unknown): value is MaskedSecret {
  if (!isPlainObject(value) || value['set'] !== true) return false;
  const keys = Object.keys(value);
  return keys.every((key) => key === 'set' || (key === 'last4' && typeof value['last4'] === 'string'));
}

/**
 * Problems of a `plugins` object as sent by a client, keyed by path (`plugins.discord.bot_token`);
 * empty when valid. Secret fields take a string (set), `null` (clear) or the masked value (keep).
 */
export function pluginsProblems(value: unknown, path = 'plugins'): Record<string, string[]> {
  const problems: Record<string, string[]> = {};
  if (!isPlainObject(value)) return { [path]: ['must be an object keyed by plugin type'] };
  for (const [type, config] of Object.entries(value)) {
    const at = `${path}.${type}`;
    if (!isPluginType(type)) {
      problems[at] = [`is not a known plugin type (${PLUGIN_TYPES.join(', ')})`];
      continue;
    }
    if (!isPlainObject(config)) {
      problems[at] = ['must be an object'];
      continue;
    }
    if (config['enabled'] !== undefined && typeof config['enabled'] !== 'boolean') {
      problems[`${at}.enabled`] = ['must be a boolean'];
    }
    for (const field of secretFieldsOf(type)) {
      const secret = config[field];
      if (secret === undefined || secret === null || isMaskedSecret(secret)) continue;
      if (typeof secret !== 'string' || secret.length === 0 || secret.length > MAX_SECRET_LENGTH) {
        problems[`${at}.${field}`] = [
          `must be a string of 1-${MAX_SECRET_LENGTH} characters, null (clear) or the masked value (keep)`,
        ];
      }
    }
  }
  return problems;
}
