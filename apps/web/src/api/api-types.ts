/** The backend's JSON shapes, from libs/contracts as types only (nothing of it is bundled). */
import type { AgentDto, AgentFallbackStep } from '@voxbridge/contracts';

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
