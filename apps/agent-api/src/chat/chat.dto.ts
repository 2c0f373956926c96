import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

/* HTTP shapes of POST /api/sessions/:id/chat. `content` mirrors TextTurnRequest in libs/contracts. */

export const CHAT_CONTENT_MAX_LENGTH = 10_000;

export class ChatSessionParams {
  @ApiProperty({ format: 'uuid', example: '0b7e4a52-9d0e-4d0b-8f7a-3c2e9a1d5e60' })
  @IsUUID()
  id!: string;
}

/** `?stream=false` arrives as a string; anything but true/false stays a string and fails `@IsBoolean`. */
function booleanString({ value }: { value: unknown }): unknown {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

export class ChatQuery {
  @ApiPropertyOptional({
    description: '`true` (default): Server-Sent Events as the answer is generated; `false`: one JSON answer when it is complete.',
    enum: ['true', 'false'],
    default: 'true',
  })
  @IsOptional()
  @Transform(booleanString)
  @IsBoolean({ message: 'stream must be true or false' })
  stream?: boolean;
}

export class ChatBody {
  @ApiProperty({ description: 'What the user says to the agent.', minLength: 1, maxLength: CHAT_CONTENT_MAX_LENGTH, example: 'What is the capital of Italy?' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(CHAT_CONTENT_MAX_LENGTH)
  content!: string;
}

/** `?stream=false`, and the `data` of the SSE `done` event (same fields). */
export class ChatReplyResponse {
  @ApiProperty({ format: 'uuid', description: 'The turn this answer belongs to (as in `/ws/events` and the stored messages).' })
  turn_id!: string;

  @ApiProperty({ example: 'The capital of Italy is Rome.' })
  text!: string;

  @ApiProperty({ type: String, nullable: true, example: 'openrouter', description: 'The provider that answered (after any fallback).' })
  provider!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'anthropic/claude-3.5-sonnet' })
  model!: string | null;

  @ApiProperty({ type: Number, nullable: true, example: 420, description: 'Request sent to the provider → first token, in ms.' })
  llm_ttft_ms!: number | null;
}
