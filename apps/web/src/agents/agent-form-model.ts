import { isMaskedSecret, type Agent, type AgentBody, type FallbackStep, type LlmProvider, type PluginConfig } from '../api/api-types';

export const FALLBACK_PROVIDERS = ['openrouter', 'openai_compatible'] as const satisfies ReadonlyArray<FallbackStep['provider']>;

/** One step of the fallback chain as its inputs hold it. */
export interface FallbackStepValues {
  provider: FallbackStep['provider'];
  model: string;
  /** Only for openai_compatible. */
  base_url: string;
}

/** The LLM providers that read `llm_base_url` (auto: when llm-router has no OpenRouter key). */
export const USES_BASE_URL: ReadonlyArray<LlmProvider> = ['openai_compatible', 'auto'];

/**
 * The agent form's values as the inputs hold them (strings for numbers, so a half-typed value is
 * not lost), and the request body built from them. The server validates; its messages are shown
 * on the fields.
 */
export interface AgentFormValues {
  name: string;
  description: string;
  system_prompt: string;
  llm_provider: LlmProvider;
  llm_model: string;
  llm_base_url: string;
  n8n_webhook_url: string;
  temperature: string;
  fallback: FallbackStepValues[];
  stt_provider: string;
  stt_language: string;
  silence_ms: string;
  max_utterance_ms: string;
  tts_provider: string;
  tts_voice: string;
  tts_language: string;
  tts_exaggeration: string;
  tts_cfg_weight: string;
  tts_temperature: string;
  tts_speed: string;
  filter_actions_for_tts: boolean;
  timezone: string;
  discord_enabled: boolean;
  discord_auto_join: boolean;
  /** A new bot token typed by the user; empty keeps the stored one. The stored one is never shown. */
  discord_bot_token: string;
  discord_clear_token: boolean;
  /** The n8n plugin (posts each message to a webhook; not the n8n LLM provider). */
  n8n_plugin_enabled: boolean;
  /** A new webhook URL (a secret: stored encrypted, never shown); empty keeps the stored one. */
  n8n_plugin_webhook_url: string;
  /** A new signing secret; empty keeps the stored one. */
  n8n_plugin_secret: string;
  n8n_plugin_clear_secret: boolean;
}

/** The defaults agent-api applies (apps/agent-api/src/agents/agent.model.ts AGENT_DEFAULTS). */
export const NEW_AGENT: AgentFormValues = {
  name: '',
  description: '',
  system_prompt: '',
  llm_provider: 'auto',
  llm_model: 'anthropic/claude-3.5-sonnet',
  llm_base_url: '',
  n8n_webhook_url: '',
  temperature: '0.7',
  fallback: [],
  stt_provider: 'auto',
  stt_language: 'en',
  silence_ms: '600',
  max_utterance_ms: '45000',
  tts_provider: 'auto',
  tts_voice: '',
  tts_language: 'en',
  tts_exaggeration: '1',
  tts_cfg_weight: '0.7',
  tts_temperature: '0.3',
  tts_speed: '1',
  filter_actions_for_tts: false,
  timezone: 'UTC',
  discord_enabled: false,
  discord_auto_join: false,
  discord_bot_token: '',
  discord_clear_token: false,
  n8n_plugin_enabled: false,
  n8n_plugin_webhook_url: '',
  n8n_plugin_secret: '',
  n8n_plugin_clear_secret: false,
};

export function formValuesOf(agent: Agent): AgentFormValues {
  const discord = agent.plugins['discord'];
  return {
    name: agent.name,
    description: agent.description ?? '',
    system_prompt: agent.system_prompt,
    llm_provider: agent.llm_provider,
    llm_model: agent.llm_model,
    llm_base_url: agent.llm_base_url ?? '',
    n8n_webhook_url: agent.n8n_webhook_url ?? '',
    temperature: String(agent.temperature),
    fallback: (agent.fallback ?? []).map((step) => ({ provider: step.provider, model: step.model, base_url: step.base_url ?? '' })),
    stt_provider: agent.stt_provider,
    stt_language: agent.stt_language ?? '',
    silence_ms: String(agent.silence_ms),
    max_utterance_ms: String(agent.max_utterance_ms),
    tts_provider: agent.tts_provider,
    tts_voice: agent.tts_voice ?? '',
    tts_language: agent.tts_language,
    tts_exaggeration: String(agent.tts_exaggeration),
    tts_cfg_weight: String(agent.tts_cfg_weight),
    tts_temperature: String(agent.tts_temperature),
    tts_speed: String(agent.tts_speed),
    filter_actions_for_tts: agent.filter_actions_for_tts,
    timezone: agent.timezone,
    discord_enabled: discord?.enabled === true,
    discord_auto_join: discord?.['auto_join'] === true,
    discord_bot_token: '',
    discord_clear_token: false,
    n8n_plugin_enabled: agent.plugins['n8n']?.enabled === true,
    n8n_plugin_webhook_url: '',
    n8n_plugin_secret: '',
    n8n_plugin_clear_secret: false,
  };
}

/** What the form says about the stored Discord token: set (with its last four characters) or not. */
export function storedDiscordToken(agent: Agent | undefined): { set: boolean; last4?: string } {
  const token = agent?.plugins['discord']?.['bot_token'];
  return isMaskedSecret(token) ? { set: true, last4: token.last4 } : { set: false };
}

/** A stored secret field of a plugin: set (with its last four characters when long enough) or not. */
export function storedPluginSecret(agent: Agent | undefined, type: string, field: string): { set: boolean; last4?: string } {
  const value = agent?.plugins[type]?.[field];
  return isMaskedSecret(value) ? { set: true, last4: value.last4 } : { set: false };
}

/**
 * What the API cannot tell before the plugin starts (it checks the URL only in plugin-supervisor,
 * where the secret is decrypted): enabled without a URL, or a typed URL that is not http(s).
 */
export function n8nUrlProblem(values: AgentFormValues, storedUrl: boolean): string | null {
  const typed = values.n8n_plugin_webhook_url.trim();
  if (typed) {
    let url: URL | null = null;
    try {
      url = new URL(typed);
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return 'The webhook URL is not an http(s) URL: the plugin will fail to start with it.';
    return null;
  }
  if (values.n8n_plugin_enabled && !storedUrl) return 'Enabled without a webhook URL: the plugin cannot start until one is set.';
  return null;
}

/** A number field: the number when it parses, otherwise the text as typed (the server names the problem). */
function numberOrText(value: string): number | string | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  const parsed = Number(trimmed);
  return Number.isFinite(parsed) ? parsed : trimmed;
}

const orNull = (value: string): string | null => (value.trim() === '' ? null : value.trim());

/**
 * The `plugins.discord` object: the stored one's other fields kept, `enabled` and `auto_join` from
 * the form, `bot_token` only when replaced (a string) or cleared (null): leaving it out keeps it.
 */
function discordPlugin(values: AgentFormValues, original: Agent | undefined): PluginConfig {
  const { bot_token: _stored, ...kept } = original?.plugins['discord'] ?? { enabled: false };
  const plugin: PluginConfig = { ...kept, enabled: values.discord_enabled, auto_join: values.discord_auto_join };
  if (values.discord_clear_token) plugin['bot_token'] = null;
  else if (values.discord_bot_token.trim()) plugin['bot_token'] = values.discord_bot_token.trim();
  return plugin;
}

/**
 * The `plugins.n8n` object: the stored one's other fields kept (limits, retries…), `enabled` from
 * the form, `webhook_url` and `secret` only when replaced (a string) or, for the secret, cleared
 * (null): left out, the stored ones are kept.
 */
function n8nPlugin(values: AgentFormValues, original: Agent | undefined): PluginConfig {
  const { webhook_url: _url, secret: _secret, ...kept } = original?.plugins['n8n'] ?? { enabled: false };
  const plugin: PluginConfig = { ...kept, enabled: values.n8n_plugin_enabled };
  if (values.n8n_plugin_webhook_url.trim()) plugin['webhook_url'] = values.n8n_plugin_webhook_url.trim();
  if (values.n8n_plugin_clear_secret) plugin['secret'] = null;
  else if (values.n8n_plugin_secret.trim()) plugin['secret'] = values.n8n_plugin_secret.trim();
  return plugin;
}

function fallbackStep(step: FallbackStepValues): FallbackStep {
  const base = step.base_url.trim();
  return step.provider === 'openai_compatible' && base ? { provider: step.provider, model: step.model.trim(), base_url: base } : { provider: step.provider, model: step.model.trim() };
}

function fullBody(values: AgentFormValues, original: Agent | undefined): Record<string, unknown> {
  const numbers = {
    temperature: numberOrText(values.temperature),
    silence_ms: numberOrText(values.silence_ms),
    max_utterance_ms: numberOrText(values.max_utterance_ms),
    tts_exaggeration: numberOrText(values.tts_exaggeration),
    tts_cfg_weight: numberOrText(values.tts_cfg_weight),
    tts_temperature: numberOrText(values.tts_temperature),
    tts_speed: numberOrText(values.tts_speed),
  };
  const body: Record<string, unknown> = {
    name: values.name.trim(),
    description: orNull(values.description),
    system_prompt: values.system_prompt,
    llm_provider: values.llm_provider,
    llm_model: values.llm_model.trim(),
    // A setting the chosen provider does not read is not shown, and not kept.
    llm_base_url: USES_BASE_URL.includes(values.llm_provider) ? orNull(values.llm_base_url) : null,
    n8n_webhook_url: values.llm_provider === 'n8n' ? orNull(values.n8n_webhook_url) : null,
    fallback: values.fallback.map(fallbackStep),
    stt_provider: values.stt_provider.trim(),
    stt_language: orNull(values.stt_language),
    tts_provider: values.tts_provider.trim(),
    tts_voice: orNull(values.tts_voice),
    tts_language: values.tts_language.trim(),
    filter_actions_for_tts: values.filter_actions_for_tts,
    timezone: values.timezone.trim(),
    ...Object.fromEntries(Object.entries(numbers).filter(([, v]) => v !== undefined)),
  };
  // `plugins` is replaced as a whole: the agent's other plugins go along, their secrets masked (kept).
  const hasDiscord = original?.plugins['discord'] !== undefined || values.discord_enabled || values.discord_bot_token.trim() !== '';
  const hasN8n = original?.plugins['n8n'] !== undefined || values.n8n_plugin_enabled || values.n8n_plugin_webhook_url.trim() !== '' || values.n8n_plugin_secret.trim() !== '';
  if (hasDiscord || hasN8n) {
    body['plugins'] = {
      ...(original?.plugins ?? {}),
      ...(hasDiscord ? { discord: discordPlugin(values, original) } : {}),
      ...(hasN8n ? { n8n: n8nPlugin(values, original) } : {}),
    };
  }
  return body;
}

/**
 * The request body. A new agent: every field the form holds (empty optional ones left to the
 * server's defaults). An existing agent: only what changed (`PUT` is partial), so nothing the form
 * does not show is touched.
 */
export function agentBody(values: AgentFormValues, original?: Agent): AgentBody {
  const body = fullBody(values, original);
  if (!original) {
    return Object.fromEntries(Object.entries(body).filter(([key, v]) => v !== null && !(key === 'fallback' && Array.isArray(v) && v.length === 0))) as AgentBody;
  }
  const before = fullBody(formValuesOf(original), original);
  return Object.fromEntries(Object.entries(body).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(before[key]))) as AgentBody;
}
