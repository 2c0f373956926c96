import { IsObject, IsOptional, IsUUID } from 'class-validator';
import { controlSubject, eventSubject } from './subjects';

/** agent-api's contract on the bus. Agent events are durable (JetStream stream of domain `agents`). */
export const AgentSubjects = {
  get: controlSubject('agents', 'agent', 'get'),
  created: eventSubject('agents', 'agent', 'created'),
  updated: eventSubject('agents', 'agent', 'updated'),
  deleted: eventSubject('agents', 'agent', 'deleted'),
} as const;

/**
 * `agent_created` / `agent_updated` carry the agent as the API returns it (secrets masked);
 * `agent_deleted` carries only the id.
 */
export class AgentEvent {
  @IsUUID() id!: string;
  /** The agent as returned by `GET /api/agents/:id` (absent on delete). */
  @IsOptional() @IsObject() agent?: Record<string, unknown>;
}

export class AgentIdRequest {
  @IsUUID() id!: string;
}

/** One step of an agent's LLM fallback chain. */
export interface AgentFallbackStep {
  provider: 'openrouter' | 'openai_compatible';
  model: string;
  base_url?: string | null;
}

/**
 * An agent as `GET /api/agents/:id` returns it — and as agent-api answers `AgentSubjects.get`
 * (`AgentIdRequest`) for the pipeline services. Plugin secrets are masked here; nothing in the
 * pipeline needs them.
 */
export interface AgentDto {
  id: string;
  name: string;
  description: string | null;
  system_prompt: string;
  temperature: number;
  /** `auto`: llm-router decides from its configuration (OpenRouter with a key, else Ollama). */
  llm_provider: 'auto' | 'openrouter' | 'openai_compatible' | 'n8n';
  llm_model: string;
  llm_base_url: string | null;
  n8n_webhook_url: string | null;
  fallback: AgentFallbackStep[];
  is_default: boolean;
  /** `auto` (stt-gateway decides from its configuration) | `whisperx` | `openai_compatible` | `local` (pocketsphinx). */
  stt_provider: string;
  /** null: let the STT provider detect the language. */
  stt_language: string | null;
  silence_ms: number;
  max_utterance_ms: number;
  /** `auto` (tts-gateway decides from its configuration) | `chatterbox` | `openai_compatible` | `local` (flite / espeak-ng). */
  tts_provider: string;
  tts_voice: string | null;
  tts_exaggeration: number;
  tts_cfg_weight: number;
  tts_temperature: number;
  tts_language: string;
  tts_speed: number;
  filter_actions_for_tts: boolean;
  timezone: string;
  plugins: Record<string, Record<string, unknown>>;
  created_at: string;
  updated_at: string;
}
