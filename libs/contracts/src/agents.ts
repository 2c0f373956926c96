import { IsInt, IsObject, IsOptional, IsUUID, Max, Min } from 'class-validator';
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

/**
 * The providers an agent can name, per stage (`auto`: the service picks from what it is configured
 * with). agent-api refuses any other value; the web app offers exactly these.
 */
export const AGENT_LLM_PROVIDERS = ['auto', 'openrouter', 'openai_compatible', 'n8n'] as const satisfies ReadonlyArray<AgentDto['llm_provider']>;
export const AGENT_STT_PROVIDERS = ['auto', 'whisperx', 'openai_compatible', 'local'] as const;
export const AGENT_TTS_PROVIDERS = ['auto', 'chatterbox', 'openai_compatible', 'local'] as const;
export type AgentSttProvider = (typeof AGENT_STT_PROVIDERS)[number];
export type AgentTtsProvider = (typeof AGENT_TTS_PROVIDERS)[number];

/** One step of an agent's LLM fallback chain. */
export interface AgentFallbackStep {
  provider: 'openrouter' | 'openai_compatible';
  model: string;
  base_url?: string | null;
}

/**
 * Per-agent deadlines of the voice pipeline, in ms. A field left out or `null` takes the service's
 * default (DEFAULT_AGENT_DEADLINES, each service's env can change it). A miss moves to the next
 * fallback step or ends the turn with an error the user hears as a short apology.
 */
export const AGENT_DEADLINE_BOUNDS = {
  /** LLM request sent → first token, per provider attempt. */
  llm_first_token_ms: { minMs: 1_000, maxMs: 120_000 },
  /** Longest gap between two LLM tokens once the answer has started. */
  llm_inter_token_ms: { minMs: 500, maxMs: 60_000 },
  /** End of the user's turn → final transcript from the STT provider. */
  stt_final_ms: { minMs: 500, maxMs: 60_000 },
  /** Text sent to the TTS provider → its first audio byte. */
  tts_first_audio_ms: { minMs: 500, maxMs: 60_000 },
  /** Longest gap between two audio chunks of one TTS request. */
  tts_inter_chunk_ms: { minMs: 500, maxMs: 60_000 },
} as const;

export type AgentDeadlineField = keyof typeof AGENT_DEADLINE_BOUNDS;

/**
 * What a person accepts in a conversation: an answer that starts within about 6 s of speaking, no
 * pause over 4 s inside it. See apps/llm-router/README.md ("Deadlines") for the reasoning.
 */
export const DEFAULT_AGENT_DEADLINES: Readonly<Record<AgentDeadlineField, number>> = {
  llm_first_token_ms: 6_000,
  llm_inter_token_ms: 4_000,
  stt_final_ms: 5_000,
  tts_first_audio_ms: 5_000,
  tts_inter_chunk_ms: 4_000,
};

const B = AGENT_DEADLINE_BOUNDS;

/** An agent's `deadlines` (validated where it arrives: the REST API, and the bus reply). */
export class AgentDeadlines {
  @IsOptional() @IsInt() @Min(B.llm_first_token_ms.minMs) @Max(B.llm_first_token_ms.maxMs) llm_first_token_ms?: number | null;
  @IsOptional() @IsInt() @Min(B.llm_inter_token_ms.minMs) @Max(B.llm_inter_token_ms.maxMs) llm_inter_token_ms?: number | null;
  @IsOptional() @IsInt() @Min(B.stt_final_ms.minMs) @Max(B.stt_final_ms.maxMs) stt_final_ms?: number | null;
  @IsOptional() @IsInt() @Min(B.tts_first_audio_ms.minMs) @Max(B.tts_first_audio_ms.maxMs) tts_first_audio_ms?: number | null;
  @IsOptional() @IsInt() @Min(B.tts_inter_chunk_ms.minMs) @Max(B.tts_inter_chunk_ms.maxMs) tts_inter_chunk_ms?: number | null;
}

/**
 * The deadline in force for one field: the agent's when it set a valid one, else `fallbackMs` (the
 * service's configured default). A value out of bounds (an old row, a hand-made message) is ignored.
 */
export function agentDeadlineMs(deadlines: AgentDeadlines | null | undefined, field: AgentDeadlineField, fallbackMs: number): number {
  const value = deadlines?.[field];
  const { minMs, maxMs } = AGENT_DEADLINE_BOUNDS[field];
  return typeof value === 'number' && Number.isInteger(value) && value >= minMs && value <= maxMs ? value : fallbackMs;
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
  /** Per-agent deadlines (ms); absent or null: each service's defaults. */
  deadlines?: AgentDeadlines | null;
  plugins: Record<string, Record<string, unknown>>;
  created_at: string;
  updated_at: string;
}
