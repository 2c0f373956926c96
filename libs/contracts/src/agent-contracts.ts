import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsNumber, IsObject, IsOptional, IsString, IsUUID, ValidateNested } from 'class-validator';
import { AgentDeadlines, AgentIdRequest, AgentSubjects, type AgentDto, type AgentFallbackStep } from './agents';
import { requestContract } from './contract';

const LLM_PROVIDERS = ['auto', 'openrouter', 'openai_compatible', 'n8n'] as const satisfies ReadonlyArray<AgentDto['llm_provider']>;
const FALLBACK_PROVIDERS = ['openrouter', 'openai_compatible'] as const satisfies ReadonlyArray<AgentFallbackStep['provider']>;

export class AgentFallbackStepReply implements AgentFallbackStep {
  @IsIn(FALLBACK_PROVIDERS) provider!: AgentFallbackStep['provider'];
  @IsString() model!: string;
  @IsOptional() @IsString() base_url?: string | null;
}

/**
 * An agent as agent-api answers `AgentContracts.get`: the shape of `AgentDto`, checked field by
 * field on arrival so that no pipeline service works from a cast. Nullable fields are optional
 * here (null or absent both mean "not set").
 */
export class AgentReply implements AgentDto {
  @IsUUID() id!: string;
  @IsString() name!: string;
  @IsOptional() @IsString() description!: string | null;
  @IsString() system_prompt!: string;
  @IsNumber() temperature!: number;
  @IsIn(LLM_PROVIDERS) llm_provider!: AgentDto['llm_provider'];
  @IsString() llm_model!: string;
  @IsOptional() @IsString() llm_base_url!: string | null;
  @IsOptional() @IsString() n8n_webhook_url!: string | null;
  @IsArray() @ValidateNested({ each: true }) @Type(() => AgentFallbackStepReply) fallback!: AgentFallbackStepReply[];
  @IsBoolean() is_default!: boolean;
  @IsString() stt_provider!: string;
  @IsOptional() @IsString() stt_language!: string | null;
  @IsNumber() silence_ms!: number;
  @IsNumber() max_utterance_ms!: number;
  @IsString() tts_provider!: string;
  @IsOptional() @IsString() tts_voice!: string | null;
  @IsNumber() tts_exaggeration!: number;
  @IsNumber() tts_cfg_weight!: number;
  @IsNumber() tts_temperature!: number;
  @IsString() tts_language!: string;
  @IsNumber() tts_speed!: number;
  @IsBoolean() filter_actions_for_tts!: boolean;
  @IsString() timezone!: string;
  @IsOptional() @ValidateNested() @Type(() => AgentDeadlines) deadlines?: AgentDeadlines | null;
  @IsObject() plugins!: Record<string, Record<string, unknown>>;
  @IsString() created_at!: string;
  @IsString() updated_at!: string;
}

/**
 * agent-api's calls on the bus. Every pipeline service looks the agent up when it takes a session
 * (llm-router keeps it in an `AgentCache` from libs/bus for every turn), through this one contract
 * (one timeout for all).
 */
export const AgentContracts = {
  get: requestContract({ subject: AgentSubjects.get, request: AgentIdRequest, reply: AgentReply, timeoutMs: 2_000 }),
} as const;
