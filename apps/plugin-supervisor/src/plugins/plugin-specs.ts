import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { PluginConfigEntry } from '@voxbridge/contracts';
import { decryptField, isEncryptedField, isPlainObject, KeyRing, PluginSecretsError } from '@voxbridge/plugin-sdk';
import type { PluginLimits, PluginSpec } from '../runtime/plugin-run';

/** Fields of an agent's plugin config that are the supervisor's, not the plugin's. */
const SUPERVISOR_FIELDS = new Set(['enabled', 'limits']);

/** The built-in plugins, run as children exactly like a third party's. */
function builtinModules(): Record<string, string> {
  const ext = __filename.endsWith('.ts') ? '.ts' : '.js';
  return { n8n: join(__dirname, '..', 'builtin', 'n8n', `n8n.plugin${ext}`) };
}

/** Why a plugin cannot be started here; the run shows it as `failed` with this reason. */
export class PluginSpecError extends Error {
  override readonly name = 'PluginSpecError';
}

/**
 * Plugin type → the module a child loads: the built-ins, then `PLUGIN_MODULES` (`type=module`
 * pairs; a module is a folder or file path, relative to the working directory, or a package name).
 */
export class PluginModules {
  private readonly modules: Map<string, string>;

  constructor(pluginModules: string | undefined, cwd = process.cwd()) {
    this.modules = new Map(Object.entries(builtinModules()));
    for (const pair of (pluginModules ?? '').split(',').filter(Boolean)) {
      const [type, module] = pair.split('=') as [string, string];
      const local = module.startsWith('.') || isAbsolute(module);
      this.modules.set(type, local ? resolve(cwd, module) : module);
    }
  }

  types(): string[] {
    return [...this.modules.keys()];
  }

  /** The module path for a type, or undefined when no module provides it. */
  resolve(type: string): string | undefined {
    const module = this.modules.get(type);
    if (!module) return undefined;
    return isAbsolute(module) && !existsSync(module) && !existsSync(`${module}.js`) ? undefined : module;
  }
}

export interface SpecDefaults {
  cpuPercent: number;
  rssMb: number;
}

function limitsOf(settings: Record<string, unknown>, defaults: SpecDefaults): PluginLimits {
  const limits = isPlainObject(settings['limits']) ? settings['limits'] : {};
  const cpu = typeof limits['cpu_percent'] === 'number' && limits['cpu_percent'] > 0 ? limits['cpu_percent'] : defaults.cpuPercent;
  const rssMb = typeof limits['rss_mb'] === 'number' && limits['rss_mb'] > 0 ? limits['rss_mb'] : defaults.rssMb;
  return { cpuPercent: cpu, rssBytes: Math.round(rssMb * 1_048_576) };
}

/**
 * What the child gets: the plugin's settings with its secrets decrypted (here, and in that child
 * only). Throws PluginSpecError naming the field, never its value.
 */
export function pluginSpecOf(entry: PluginConfigEntry, modules: PluginModules, ring: KeyRing, defaults: SpecDefaults): PluginSpec {
  const modulePath = modules.resolve(entry.plugin_type);
  if (!modulePath) throw new PluginSpecError(`no plugin module provides type ${entry.plugin_type} (built in: n8n; others through PLUGIN_MODULES)`);
  const config: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(entry.settings)) if (!SUPERVISOR_FIELDS.has(field)) config[field] = value;
  for (const [field, sealed] of Object.entries(entry.secrets)) {
    if (!isEncryptedField(sealed)) throw new PluginSpecError(`plugins.${entry.plugin_type}.${field} is not a sealed secret`);
    if (!ring.current && !ring.get(sealed.kid)) throw new PluginSpecError('VOXBRIDGE_ENCRYPTION_KEY is not configured: the plugin’s secrets cannot be decrypted');
    try {
      config[field] = decryptField(sealed, ring, { agentId: entry.agent_id, pluginType: entry.plugin_type, field });
    } catch (error) {
      if (error instanceof PluginSecretsError) throw new PluginSpecError(error.message, { cause: error });
      throw error;
    }
  }
  return { agentId: entry.agent_id, agentName: entry.agent_name, pluginType: entry.plugin_type, modulePath, config, limits: limitsOf(entry.settings, defaults) };
}

/** Changes when anything the plugin sees changes (its config, secrets as stored, the agent's name). */
export function fingerprintOf(entry: PluginConfigEntry): string {
  return JSON.stringify([entry.agent_name, entry.settings, entry.secrets, entry.unencrypted_secrets ?? []]);
}
