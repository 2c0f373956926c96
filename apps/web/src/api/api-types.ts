/**
 * The backend's JSON shapes. Shared contracts come from libs/contracts as types only (nothing of
 * it is bundled); the agent shape is agent-api's own (apps/agent-api/src/agents/agent.dto.ts), so it
 * is restated here, and apps never import apps.
 */
export type {
  ErrorBody,
  FleetHealthReport,
  FleetServiceHealth,
  MessageDto,
  SessionDto,
  SessionPage,
  TurnState,
  VoiceClientMessage,
  VoiceServerEvents,
  VoiceServerMessage,
  VoiceTokenDto,
} from '@voxbridge/contracts';

export const LLM_PROVIDERS = ['auto', 'openrouter', 'openai_compatible', 'n8n'] as const;
export type LlmProvider = (typeof LLM_PROVIDERS)[number];

/** What responses show instead of a secret (`last4` only for values of 12+ characters). */
export interface MaskedSecret {
  set: true;
  last4?: string;
}

export interface PluginConfig {
  enabled: boolean;
  [field: string]: unknown;
}

export interface FallbackStep {
  provider: 'openrouter' | 'openai_compatible';
  model: string;
  base_url?: string;
}

export interface Agent {
  id: string;
  name: string;
  description: string | null;
  system_prompt: string;
  temperature: number;
  llm_provider: LlmProvider;
  llm_model: string;
  llm_base_url: string | null;
  n8n_webhook_url: string | null;
  fallback: FallbackStep[];
  is_default: boolean;
  stt_provider: string;
  stt_language: string | null;
  silence_ms: number;
  max_utterance_ms: number;
  tts_provider: string;
  tts_voice: string | null;
  tts_exaggeration: number;
  tts_cfg_weight: number;
  tts_temperature: number;
  tts_language: string;
  tts_speed: number;
  filter_actions_for_tts: boolean;
  timezone: string;
  plugins: Record<string, PluginConfig>;
  created_at: string;
  updated_at: string;
}

/** A `POST /api/agents` or `PUT /api/agents/:id` body: any subset of the writable fields. */
export type AgentBody = Partial<Omit<Agent, 'id' | 'created_at' | 'updated_at'>>;

export function isMaskedSecret(value: unknown): value is MaskedSecret {
  return typeof value === 'object' && value !== null && (value as { set?: unknown }).set === true;
}
