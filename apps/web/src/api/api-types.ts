/** The backend's JSON shapes, from libs/contracts as types only (nothing of it is bundled). */
import type { AgentDto, AgentFallbackStep, PluginHealthDto, PluginRunState, PluginRuntimeDto } from '@voxbridge/contracts';

export type {
  AgentSttProvider,
  AgentTtsProvider,
  DiscordVoiceStatusReply,
  ErrorBody,
  FleetHealthReport,
  FleetServiceHealth,
  MessageDto,
  MessageError,
  PluginAction,
  PluginHealthDto,
  PluginRunState,
  PluginRuntimeDto,
  ProviderState,
  SessionDto,
  SessionPage,
  TurnState,
  VoiceClientMessage,
  VoiceServerEvents,
  VoiceServerMessage,
  VoiceTokenDto,
} from '@voxbridge/contracts';

export const LLM_PROVIDERS = ['auto', 'openrouter', 'openai_compatible', 'n8n'] as const satisfies ReadonlyArray<AgentDto['llm_provider']>;
export type LlmProvider = AgentDto['llm_provider'];

/** What responses show instead of a secret (`last4` only for values of 12+ characters). */
export interface MaskedSecret {
  set: true;
  last4?: string;
}

export interface PluginConfig {
  enabled: boolean;
  [field: string]: unknown;
}

export type FallbackStep = AgentFallbackStep;

/** An agent as the API returns it (the contract's AgentDto), with its plugins' settings typed. */
export type Agent = Omit<AgentDto, 'plugins'> & { plugins: Record<string, PluginConfig> };

/** A `POST /api/agents` or `PUT /api/agents/:id` body: any subset of the writable fields. */
export type AgentBody = Partial<Omit<Agent, 'id' | 'created_at' | 'updated_at'>>;

export function isMaskedSecret(value: unknown): value is MaskedSecret {
  return typeof value === 'object' && value !== null && (value as { set?: unknown }).set === true;
}

export const API_KEY_ROLES = ['admin', 'client'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** `GET /api/keys`: a key's metadata, never the key. */
export interface ApiKey {
  id: string;
  name: string;
  role: ApiKeyRole;
  /** First 8 characters after `vbk_`. */
  prefix: string;
  rate_limit_per_second: number | null;
  rate_limit_burst: number | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** `POST /api/keys`: the metadata and the key itself, in this answer only. */
export interface CreatedApiKey extends ApiKey {
  key: string;
}

/** `GET /api/plugins`: one plugin of one agent (agent-api plugins.dto.ts PluginListItem). */
export interface PluginListItem {
  agent_id: string;
  agent_name: string;
  plugin_type: string;
  enabled: boolean;
  hosted_by: 'plugin-supervisor' | 'discord-connector';
  /** A run state; `disabled`; `pending` (enabled, no replica runs it yet); `external` (discord: ask discord-connector). */
  state: PluginRunState | 'disabled' | 'pending' | 'external';
  reason?: string;
  instance_id?: string;
  uptime_ms?: number;
  restarts?: number;
  health?: PluginHealthDto;
}

export interface PluginListReply {
  plugins: PluginListItem[];
  /** plugin-supervisor replicas that answered. */
  supervisors: number;
}

/** `GET /api/plugins/stats`: per running plugin, measured per child process. */
export interface PluginStatsReply {
  plugins: PluginRuntimeDto[];
  supervisors: number;
}
