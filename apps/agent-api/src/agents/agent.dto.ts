import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  AGENT_DEADLINE_BOUNDS,
  AGENT_STT_PROVIDERS,
  AGENT_TTS_PROVIDERS,
  DEFAULT_AGENT_DEADLINES,
  type AgentDeadlineField,
  type AgentDeadlines,
} from '@voxbridge/contracts';
import { PLUGIN_SECRET_FIELDS, type PluginsConfig } from '@voxbridge/plugin-sdk';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { FALLBACK_PROVIDERS, LLM_PROVIDERS, type FallbackProvider, type FallbackStep, type LlmProvider } from './agent.entity';
import { OmitOrSet } from '../http/omit-or-set';
import { AGENT_DEFAULTS } from './agent.model';

const HTTP_URL = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
/** Names the choices: `stt_provider must be one of: auto, whisperx, openai_compatible, local`. */
const oneOf = (choices: readonly string[]) => ({ message: `$property must be one of: ${choices.join(', ')}` });
const FINITE = { allowNaN: false, allowInfinity: false };

function IsIanaTimezone(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isIanaTimezone',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: '$property must be an IANA time zone such as Europe/Berlin', ...options },
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'string' || value.length > 64) return false;
          try {
            new Intl.DateTimeFormat('en', { timeZone: value });
            return true;
          } catch {
            return false; // RangeError: not a time zone
          }
        },
      },
    });
}

export class FallbackStepDto implements FallbackStep {
  @ApiProperty({ enum: FALLBACK_PROVIDERS, example: 'openai_compatible', description: 'LLM provider of this step' })
  @IsIn(FALLBACK_PROVIDERS)
  provider!: FallbackProvider;

  @ApiProperty({ example: 'llama3.1:8b', minLength: 1, maxLength: 200, description: 'Model name at that provider' })
  @IsString()
  @Length(1, 200)
  model!: string;

  @ApiPropertyOptional({ example: 'http://127.0.0.1:11434/v1', maxLength: 500, description: 'Required for openai_compatible' })
  @OmitOrSet()
  @IsUrl(HTTP_URL)
  @MaxLength(500)
  base_url?: string;
}

const deadline = (field: AgentDeadlineField, what: string) => ({
  type: 'integer' as const,
  nullable: true,
  minimum: AGENT_DEADLINE_BOUNDS[field].minMs,
  maximum: AGENT_DEADLINE_BOUNDS[field].maxMs,
  example: DEFAULT_AGENT_DEADLINES[field],
  description: `${what}, ms; null or omitted: the service's default (${DEFAULT_AGENT_DEADLINES[field]} unless its env changes it)`,
});

/** The agent's pipeline deadlines; bounds and meaning in libs/contracts (AGENT_DEADLINE_BOUNDS). */
export class AgentDeadlinesDto implements AgentDeadlines {
  @ApiPropertyOptional(deadline('llm_first_token_ms', 'LLM request → first token, per provider attempt; a miss tries the next fallback step'))
  @IsOptional()
  @IsInt()
  @Min(AGENT_DEADLINE_BOUNDS.llm_first_token_ms.minMs)
  @Max(AGENT_DEADLINE_BOUNDS.llm_first_token_ms.maxMs)
  llm_first_token_ms?: number | null;

  @ApiPropertyOptional(deadline('llm_inter_token_ms', 'Longest gap between two LLM tokens; a miss ends the answer with an error and a spoken apology'))
  @IsOptional()
  @IsInt()
  @Min(AGENT_DEADLINE_BOUNDS.llm_inter_token_ms.minMs)
  @Max(AGENT_DEADLINE_BOUNDS.llm_inter_token_ms.maxMs)
  llm_inter_token_ms?: number | null;

  @ApiPropertyOptional(deadline('stt_final_ms', 'End of the user turn → final transcript'))
  @IsOptional()
  @IsInt()
  @Min(AGENT_DEADLINE_BOUNDS.stt_final_ms.minMs)
  @Max(AGENT_DEADLINE_BOUNDS.stt_final_ms.maxMs)
  stt_final_ms?: number | null;

  @ApiPropertyOptional(deadline('tts_first_audio_ms', 'Text sent to the TTS provider → first audio byte'))
  @IsOptional()
  @IsInt()
  @Min(AGENT_DEADLINE_BOUNDS.tts_first_audio_ms.minMs)
  @Max(AGENT_DEADLINE_BOUNDS.tts_first_audio_ms.maxMs)
  tts_first_audio_ms?: number | null;

  @ApiPropertyOptional(deadline('tts_inter_chunk_ms', 'Longest gap between two audio chunks of one TTS request'))
  @IsOptional()
  @IsInt()
  @Min(AGENT_DEADLINE_BOUNDS.tts_inter_chunk_ms.minMs)
  @Max(AGENT_DEADLINE_BOUNDS.tts_inter_chunk_ms.maxMs)
  tts_inter_chunk_ms?: number | null;
}

const pluginsDescription =
  'Plugins keyed by type (' +
  Object.entries(PLUGIN_SECRET_FIELDS)
    .map(([type, fields]) => `${type}: secret ${fields.join(', ')}`)
    .join('; ') +
  '). Each is an object with `enabled` (boolean) and free-form fields. Secret fields are stored encrypted and ' +
  'returned as `{"set": true, "last4": "…"}`; send that value back (or omit the field) to keep the secret, ' +
  '`null` to clear it, a string to replace it. Storing a secret without VOXBRIDGE_ENCRYPTION_KEY is refused (422).';

/** `POST /api/agents`. Omitted fields take the defaults shown. */
export class CreateAgentDto {
  @ApiProperty({ example: 'Auren', minLength: 1, maxLength: 100, description: 'Unique (case-insensitive) display name' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiPropertyOptional({ type: String, example: 'Friendly general-purpose assistant', maxLength: 1000, nullable: true, default: null })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string | null;

  @ApiProperty({ example: 'You are Auren, a friendly voice assistant.', minLength: 1, maxLength: 10000, description: 'System prompt' })
  @IsString()
  @Length(1, 10000)
  system_prompt!: string;

  @ApiPropertyOptional({ example: 0.7, minimum: 0, maximum: 2, default: AGENT_DEFAULTS.temperature, description: 'LLM sampling temperature' })
  @OmitOrSet()
  @IsNumber(FINITE)
  @Min(0)
  @Max(2)
  temperature?: number;

  @ApiPropertyOptional({
    enum: LLM_PROVIDERS,
    example: 'auto',
    default: AGENT_DEFAULTS.llm_provider,
    description:
      'auto (llm-router decides: openrouter with llm_model when it has OPENROUTER_API_KEY, else llm_base_url with llm_model when set, ' +
      'else Ollama at its OLLAMA_BASE_URL with OLLAMA_MODEL); openrouter; openai_compatible (Ollama, vLLM, LM Studio: needs llm_base_url); ' +
      'n8n (needs n8n_webhook_url)',
  })
  @OmitOrSet()
  @IsIn(LLM_PROVIDERS, oneOf(LLM_PROVIDERS))
  llm_provider?: LlmProvider;

  @ApiPropertyOptional({
    example: 'anthropic/claude-3.5-sonnet',
    minLength: 1,
    maxLength: 200,
    default: AGENT_DEFAULTS.llm_model,
    description: 'Model at the provider (with auto: the OpenRouter model, or the model at llm_base_url)',
  })
  @OmitOrSet()
  @IsString()
  @Length(1, 200)
  llm_model?: string;

  @ApiPropertyOptional({ type: String, example: 'http://127.0.0.1:11434/v1', maxLength: 500, nullable: true, description: 'http(s) base URL of an OpenAI-compatible server' })
  @IsOptional()
  @IsUrl(HTTP_URL)
  @MaxLength(500)
  llm_base_url?: string | null;

  @ApiPropertyOptional({ type: String, example: 'https://n8n.example.com/webhook/voice', maxLength: 500, nullable: true, description: 'http(s) webhook for the n8n provider' })
  @IsOptional()
  @IsUrl(HTTP_URL)
  @MaxLength(500)
  n8n_webhook_url?: string | null;

  @ApiPropertyOptional({ type: [FallbackStepDto], maxItems: 5, default: [], description: 'Providers tried in order when the main one fails' })
  @OmitOrSet()
  @IsArray()
  @ArrayMaxSize(5)
  @ValidateNested({ each: true })
  @Type(() => FallbackStepDto)
  fallback?: FallbackStepDto[];

  @ApiPropertyOptional({ example: false, default: false, description: 'The default agent; setting it unsets the previous default' })
  @OmitOrSet()
  @IsBoolean()
  is_default?: boolean;

  @ApiPropertyOptional({
    enum: AGENT_STT_PROVIDERS,
    example: 'auto',
    default: AGENT_DEFAULTS.stt_provider,
    description: 'Speech-to-text provider: auto (stt-gateway decides: whisperx, else openai_compatible, else local, by what it is configured with), whisperx, openai_compatible or local (pocketsphinx)',
  })
  @OmitOrSet()
  @IsIn(AGENT_STT_PROVIDERS, oneOf(AGENT_STT_PROVIDERS))
  stt_provider?: string;

  @ApiPropertyOptional({ type: String, example: 'en', maxLength: 35, nullable: true, default: AGENT_DEFAULTS.stt_language, description: 'Spoken language (BCP 47); null: detect' })
  @IsOptional()
  @IsString()
  @MaxLength(35)
  @Matches(LANGUAGE)
  stt_language?: string | null;

  @ApiPropertyOptional({ example: 600, minimum: 100, maximum: 5000, default: AGENT_DEFAULTS.silence_ms, description: 'Silence that ends a turn, ms' })
  @OmitOrSet()
  @IsInt()
  @Min(100)
  @Max(5000)
  silence_ms?: number;

  @ApiPropertyOptional({ example: 45000, minimum: 5000, maximum: 300000, default: AGENT_DEFAULTS.max_utterance_ms, description: 'Longest single utterance before it is cut, ms' })
  @OmitOrSet()
  @IsInt()
  @Min(5000)
  @Max(300000)
  max_utterance_ms?: number;

  @ApiPropertyOptional({
    enum: AGENT_TTS_PROVIDERS,
    example: 'auto',
    default: AGENT_DEFAULTS.tts_provider,
    description: 'Text-to-speech provider: auto (tts-gateway decides: chatterbox, else openai_compatible, else local, by what it is configured with), chatterbox, openai_compatible or local (flite / espeak-ng)',
  })
  @OmitOrSet()
  @IsIn(AGENT_TTS_PROVIDERS, oneOf(AGENT_TTS_PROVIDERS))
  tts_provider?: string;

  @ApiPropertyOptional({ type: String, example: 'auren_voice', maxLength: 100, nullable: true, default: null, description: 'Voice id at the TTS provider' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  tts_voice?: string | null;

  @ApiPropertyOptional({ example: 1.0, minimum: 0.25, maximum: 2, default: AGENT_DEFAULTS.tts_exaggeration, description: 'Chatterbox emotion exaggeration' })
  @OmitOrSet()
  @IsNumber(FINITE)
  @Min(0.25)
  @Max(2)
  tts_exaggeration?: number;

  @ApiPropertyOptional({ example: 0.7, minimum: 0, maximum: 1, default: AGENT_DEFAULTS.tts_cfg_weight, description: 'Chatterbox CFG weight (pacing)' })
  @OmitOrSet()
  @IsNumber(FINITE)
  @Min(0)
  @Max(1)
  tts_cfg_weight?: number;

  @ApiPropertyOptional({ example: 0.3, minimum: 0.05, maximum: 5, default: AGENT_DEFAULTS.tts_temperature, description: 'TTS sampling temperature' })
  @OmitOrSet()
  @IsNumber(FINITE)
  @Min(0.05)
  @Max(5)
  tts_temperature?: number;

  @ApiPropertyOptional({ example: 'en', maxLength: 35, default: AGENT_DEFAULTS.tts_language, description: 'Language of the voice (BCP 47)' })
  @OmitOrSet()
  @IsString()
  @MaxLength(35)
  @Matches(LANGUAGE)
  tts_language?: string;

  @ApiPropertyOptional({ example: 1.0, minimum: 0.5, maximum: 2, default: AGENT_DEFAULTS.tts_speed, description: 'Speaking rate multiplier' })
  @OmitOrSet()
  @IsNumber(FINITE)
  @Min(0.5)
  @Max(2)
  tts_speed?: number;

  @ApiPropertyOptional({ example: false, default: false, description: 'Drop *stage directions* from what is spoken' })
  @OmitOrSet()
  @IsBoolean()
  filter_actions_for_tts?: boolean;

  @ApiPropertyOptional({ example: 'Europe/Berlin', default: AGENT_DEFAULTS.timezone, description: 'IANA time zone the agent lives in' })
  @OmitOrSet()
  @IsString()
  @IsIanaTimezone()
  timezone?: string;

  @ApiPropertyOptional({
    type: AgentDeadlinesDto,
    nullable: true,
    default: null,
    description:
      'How long the pipeline waits on each provider before moving to the next fallback step or apologising; null or an omitted field: the service default',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AgentDeadlinesDto)
  deadlines?: AgentDeadlinesDto | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'object' },
    example: { discord: { enabled: true, bot_token: 'MTIz…', auto_join: false } },
    default: {},
    description: pluginsDescription,
  })
  @OmitOrSet()
  @IsObject()
  plugins?: PluginsConfig;
}

/** `PUT /api/agents/:id`: any subset; `null` clears a nullable field and is refused elsewhere. */
export class UpdateAgentDto extends PartialType(CreateAgentDto, { skipNullProperties: false }) {}

/** An agent as returned (secrets masked). */
export class AgentResponseDto extends CreateAgentDto {
  @ApiProperty({ format: 'uuid', example: '00000000-0000-4000-8000-000000000001' })
  id!: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-25T10:00:00.000Z' })
  created_at!: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-25T10:00:00.000Z' })
  updated_at!: string;
}
