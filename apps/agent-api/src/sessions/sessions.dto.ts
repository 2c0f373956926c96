import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  FAILURE_STAGES,
  MESSAGE_ROLES,
  SESSION_SEARCH_MAX_CHARS,
  SESSION_TYPES,
  TIMELINE_MARKS,
  type FailureStage,
  type MessageDto,
  type MessageError,
  type MessageRole,
  type MessageTimeline,
  type SessionDto,
  type SessionPage,
  type SessionType,
  type TimelineMarks,
} from '@voxbridge/contracts';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { OmitOrSet } from '../http/omit-or-set';

/*
 * HTTP shapes of /api/sessions. Limits mirror the session-store contract (libs/contracts
 * sessions.ts) so a request the pipe accepts is one session-store accepts.
 */

const AGENT_ID_EXAMPLE = '6f1c1c9e-4a8e-4c59-9a53-2f1f4f0d9b11';
const SESSION_ID_EXAMPLE = '0b7e4a52-9d0e-4d0b-8f7a-3c2e9a1d5e60';

/** `?active=true|false` arrives as a string; anything else stays a string and fails `@IsBoolean`. */
function booleanString({ value }: { value: unknown }): unknown {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

export class SessionIdParams {
  @ApiProperty({ format: 'uuid', example: SESSION_ID_EXAMPLE })
  @IsUUID()
  id!: string;
}

export class CreateSessionBody {
  @ApiProperty({ description: 'Who the conversation is with (your user id).', minLength: 1, maxLength: 100, example: 'user-42' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  user_id!: string;

  @ApiProperty({ description: 'The agent that answers; must exist.', format: 'uuid', example: AGENT_ID_EXAMPLE })
  @IsUUID()
  agent_id!: string;

  @ApiPropertyOptional({ maxLength: 100, example: 'Ada' })
  @OmitOrSet()
  @IsString()
  @MaxLength(100)
  user_name?: string;

  @ApiPropertyOptional({ description: 'Defaults to "New Conversation".', maxLength: 200, example: 'Trip planning' })
  @OmitOrSet()
  @IsString()
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional({ enum: SESSION_TYPES, default: 'api', example: 'api' })
  @OmitOrSet()
  @IsIn(SESSION_TYPES)
  session_type?: SessionType;

  @ApiPropertyOptional({ description: 'Free-form JSON object kept with the session.', example: { source: 'crm' } })
  @OmitOrSet()
  @IsObject()
  session_metadata?: Record<string, unknown>;
}

export class ListSessionsQuery {
  @ApiPropertyOptional({ description: 'Only this user’s sessions.', maxLength: 100, example: 'user-42' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  user_id?: string;

  @ApiPropertyOptional({ description: 'Only this agent’s sessions.', format: 'uuid', example: AGENT_ID_EXAMPLE })
  @IsOptional()
  @IsUUID()
  agent_id?: string;

  @ApiPropertyOptional({ description: '`true`: ongoing only; `false`: ended only; absent: both.', enum: ['true', 'false'] })
  @IsOptional()
  @Transform(booleanString)
  @IsBoolean({ message: 'active must be true or false' })
  active?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50, example: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque: the `next_cursor` of the previous page.', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({
    description:
      'Full-text search over titles and message text (Postgres `websearch_to_tsquery`, `simple` configuration: any language, no stemming; ' +
      '`"exact phrase"`, `or`, `-word`). Blank: no search. Same order and paging as the plain list.',
    maxLength: SESSION_SEARCH_MAX_CHARS,
    example: 'colosseum',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MaxLength(SESSION_SEARCH_MAX_CHARS)
  q?: string;

  @ApiPropertyOptional({ description: '`true`: sessions with no message are listed too (by default they are left out).', enum: ['true', 'false'] })
  @IsOptional()
  @Transform(booleanString)
  @IsBoolean({ message: 'include_empty must be true or false' })
  include_empty?: boolean;
}

export const EXPORT_FORMATS = ['json', 'text'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export class ExportSessionQuery {
  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'json', description: '`json`: the session and every message with its timeline; `text`: readable lines' })
  @IsOptional()
  @IsIn(EXPORT_FORMATS, { message: 'format must be json or text' })
  format?: ExportFormat;
}

export class UpdateSessionBody {
  @ApiPropertyOptional({ maxLength: 200, example: 'Trip planning (Rome)' })
  @OmitOrSet()
  @IsString()
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional({ description: '`false` ends the session (sets `ended_at`).', example: false })
  @OmitOrSet()
  @IsBoolean()
  active?: boolean;
}

export class ListMessagesQuery {
  @ApiPropertyOptional({ description: 'Oldest first; at most this many.', minimum: 1, maximum: 1000, example: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class AppendMessageBody {
  @ApiProperty({ enum: MESSAGE_ROLES, example: 'user' })
  @IsIn(MESSAGE_ROLES)
  role!: MessageRole;

  @ApiProperty({ minLength: 1, maxLength: 100_000, example: 'What is the weather in Rome?' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100_000)
  content!: string;

  @ApiPropertyOptional({ description: 'Display name of who spoke.', maxLength: 100, example: 'Ada' })
  @OmitOrSet()
  @IsString()
  @MaxLength(100)
  speaker?: string;
}

// ---- responses (documentation of what session-store returns) ----------------------------------

export class SessionResponse implements SessionDto {
  @ApiProperty({ format: 'uuid', example: SESSION_ID_EXAMPLE }) id!: string;
  @ApiProperty({ example: 'user-42' }) user_id!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Ada' }) user_name!: string | null;
  @ApiProperty({ example: 'New Conversation' }) title!: string;
  @ApiProperty({ format: 'uuid', example: AGENT_ID_EXAMPLE }) agent_id!: string;
  @ApiProperty({ example: true }) active!: boolean;
  @ApiProperty({ format: 'date-time' }) started_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) ended_at!: string | null;
  @ApiProperty({ enum: SESSION_TYPES, example: 'api' }) session_type!: SessionType;
  @ApiProperty({ type: 'object', additionalProperties: true, example: {} }) session_metadata!: Record<string, unknown>;
  @ApiProperty({ minimum: 0, example: 4 }) message_count!: number;
  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The API key that created the session (`GET /api/keys` ids); null: older or service-created sessions, seen by admin keys only.',
  })
  created_by_key_id?: string | null;
}

export class SessionExportResponse {
  @ApiProperty({ format: 'date-time' }) exported_at!: string;
  @ApiProperty({ type: String, nullable: true, description: "The agent's name; null when it was deleted" }) agent_name!: string | null;
  @ApiProperty({ type: () => SessionResponse }) session!: SessionResponse;
  @ApiProperty({ type: () => [MessageResponse], description: 'Oldest first (at most the first 1000)' }) messages!: MessageResponse[];
}

export class SessionPageResponse implements SessionPage {
  @ApiProperty({ type: [SessionResponse] }) items!: SessionResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  next_cursor!: string | null;
}

export class TimelineSpanResponse {
  @ApiProperty({ example: 'llm_ttft_ms', description: 'What the span is (see README "Speed" for every span)' }) name!: string;
  @ApiProperty({ enum: ['policy', 'provider', 'fleet'], description: '`fleet` spans add up to overhead_ms' }) owner!: 'policy' | 'provider' | 'fleet';
  @ApiProperty({ minimum: 0, description: 'Start, ms after the first mark' }) start_ms!: number;
  @ApiProperty({ minimum: 0 }) duration_ms!: number;
}

export class TimelineResponse implements MessageTimeline {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: `Epoch milliseconds of each moment of the turn: ${TIMELINE_MARKS.join(', ')}`,
  })
  marks_at_ms!: TimelineMarks;
  @ApiProperty({ type: [TimelineSpanResponse], description: 'Consecutive spans; never negative; they add up to total_ms' }) spans!: TimelineSpanResponse[];
  @ApiProperty({ type: Number, nullable: true, description: 'Last voiced sample → first frame sent to the user' }) total_ms!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Sum of the fleet spans; null unless every mark is there' }) overhead_ms!: number | null;
}

export class MessageErrorResponse implements MessageError {
  @ApiProperty({ enum: FAILURE_STAGES, example: 'llm', description: 'The stage that failed' }) stage!: FailureStage;
  @ApiProperty({ type: String, nullable: true, example: 'ollama', description: 'Its provider; null when none was tried' }) provider!: string | null;
  @ApiProperty({ example: 'unavailable', description: "The provider layer's error code" }) code!: string;
  @ApiProperty({ type: String, nullable: true, example: 'no LLM answered: ollama/llama3.2: unavailable.' }) message!: string | null;
}

export class MessageResponse implements MessageDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid', example: SESSION_ID_EXAMPLE }) session_id!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Null for messages appended through the API.' })
  turn_id!: string | null;
  @ApiProperty({ enum: MESSAGE_ROLES, example: 'assistant' }) role!: MessageRole;
  @ApiProperty({ example: 'It is sunny in Rome.' }) content!: string;
  @ApiProperty({ type: String, nullable: true }) speaker!: string | null;
  @ApiProperty({ type: String, nullable: true, required: false, description: 'User messages with several speakers (Discord): whose words.' })
  speaker_id?: string | null;
  @ApiProperty({ type: String, nullable: true, required: false, description: "That speaker's display name." }) speaker_name?: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: Number, nullable: true }) stt_latency_ms!: number | null;
  @ApiProperty({ type: Number, nullable: true }) llm_ttft_ms!: number | null;
  @ApiProperty({ type: Number, nullable: true }) tts_ttfb_ms!: number | null;
  @ApiProperty({ type: Number, nullable: true }) total_latency_ms!: number | null;
  @ApiProperty({ type: Number, nullable: true }) overhead_ms!: number | null;
  @ApiProperty({ description: 'The user spoke over this assistant message; `content` is what was heard.' }) interrupted!: boolean;
  @ApiProperty({ type: String, nullable: true }) provider!: string | null;
  @ApiProperty({ type: String, nullable: true }) model!: string | null;
  @ApiProperty({ type: TimelineResponse, nullable: true, description: "A voice turn's assistant message: its timeline, mark by mark" }) timeline!: TimelineResponse | null;
  @ApiProperty({
    type: MessageErrorResponse,
    nullable: true,
    required: false,
    description: "A failed turn's assistant message: what went wrong; `content` is then what the user heard instead (the apology), or '' when nothing was played",
  })
  error?: MessageErrorResponse | null;
}
