/**
 * The contract a plugin author writes against. A plugin is a module (an npm package or a local
 * folder) whose default export (or `plugin` export) is a `PluginDefinition`. plugin-supervisor runs
 * each agent's instance of it in its own child process: `validate → initialize → start`, then the
 * hooks as the agent's sessions speak, then `stop`.
 */

/** Levels of the plugin's logger; fields are structured and redactable, messages are static text. */
export interface PluginLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export const PLUGIN_HEALTH_STATES = ['ok', 'degraded', 'failing'] as const;
export type PluginHealthState = (typeof PLUGIN_HEALTH_STATES)[number];

/** What a plugin says about itself (shown by `GET /api/plugins`). Counters are free-form numbers. */
export interface PluginHealthReport {
  state: PluginHealthState;
  /** Static text: why degraded or failing. Never a secret or a transcript. */
  detail?: string;
  counters?: Record<string, number>;
}

/** What a plugin instance gets besides its config. */
export interface PluginContext {
  agentId: string;
  agentName: string;
  pluginType: string;
  logger: PluginLogger;
  /** Replaces the last report; the supervisor keeps the newest. */
  reportHealth(report: PluginHealthReport): void;
}

export interface PluginSessionInfo {
  sessionId: string;
  agentId: string;
  userId?: string;
  sessionType?: string;
  /** ISO 8601. */
  at: string;
}

/** One message of a session: the user's words, or the agent's reply. */
export interface PluginMessage {
  sessionId: string;
  agentId: string;
  turnId: string;
  role: 'user' | 'assistant';
  /** Who spoke: a Discord user, the web user's name; the agent's name for replies. */
  speaker?: string;
  text: string;
  /** The reply was cut short by the user (only the words played are in `text`). */
  interrupted?: boolean;
  /** When the turn was committed, ISO 8601. */
  at: string;
}

export interface PluginHooks {
  onSessionStart?(session: PluginSessionInfo): Promise<void> | void;
  onUserMessage?(message: PluginMessage): Promise<void> | void;
  onAgentResponse?(message: PluginMessage): Promise<void> | void;
  onSessionEnd?(session: PluginSessionInfo): Promise<void> | void;
}

export const PLUGIN_HOOKS = ['onSessionStart', 'onUserMessage', 'onAgentResponse', 'onSessionEnd'] as const;
export type PluginHookName = (typeof PLUGIN_HOOKS)[number];

/** One running instance: lifecycle plus hooks. `initialize` and `start` throwing fail the start. */
export interface PluginInstance extends PluginHooks {
  initialize?(): Promise<void> | void;
  start?(): Promise<void> | void;
  /** Flush and close; the supervisor waits a bounded time, then ends the process. */
  stop?(): Promise<void> | void;
}

/**
 * A plugin type. `configSchema` is a class-validator class: the agent's config for this type is
 * validated against it (unknown fields stripped) before `create` sees it. `secretFields` name the
 * fields stored encrypted; the instance gets them decrypted, nobody else does.
 */
export interface PluginDefinition<C extends object = object> {
  type: string;
  configSchema: new () => C;
  secretFields: readonly string[];
  /** Extra checks beyond the schema (field → problems); empty when valid. */
  validate?(config: C): Record<string, string[]>;
  create(config: C, context: PluginContext): PluginInstance;
}

/** Identity with types: `export default definePlugin({...})`. */
export function definePlugin<C extends object>(definition: PluginDefinition<C>): PluginDefinition<C> {
  return definition;
}

const TYPE = /^[a-z][a-z0-9-]{0,39}$/;

/** The definition a loaded module exports (`default`, `plugin`, or the module itself), or a reason why not. */
export function pluginDefinitionOf(loaded: unknown): PluginDefinition | string {
  const candidates = [loaded, (loaded as { default?: unknown } | null)?.default, (loaded as { plugin?: unknown } | null)?.plugin];
  for (const candidate of candidates) {
    if (typeof candidate !== 'object' || candidate === null) continue;
    const def = candidate as Partial<PluginDefinition>;
    if (typeof def.type === 'string' && typeof def.create === 'function' && typeof def.configSchema === 'function') {
      if (!TYPE.test(def.type)) return `plugin type ${JSON.stringify(def.type)} must be a lowercase word of at most 40 characters`;
      if (!Array.isArray(def.secretFields)) return 'secretFields must be an array of field names';
      return def as PluginDefinition;
    }
  }
  return 'the module exports no plugin definition (default or `plugin`: {type, configSchema, secretFields, create})';
}
