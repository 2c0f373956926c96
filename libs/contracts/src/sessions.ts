import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  Matches,
  MaxLength,
  Min,
} from 'class-validator';
import { SPEAKER_ID_PATTERN, SPEAKER_NAME_MAX_CHARS } from './audio';
import type { SpanOwner, TimelineMarks } from './timeline';
import { controlSubject, eventSubject } from './subjects';

/**
 * session-store's contract: control-plane requests (served in its queue group through libs/bus
 * `serve` and `SessionContracts`), the durable turn event it consumes, and the live events it publishes.
 * JSON field names are snake_case, as the REST API returns them.
 */
export const SessionSubjects = {
  create: controlSubject('sessions', 'session', 'create'),
  list: controlSubject('sessions', 'session', 'list'),
  get: controlSubject('sessions', 'session', 'get'),
  update: controlSubject('sessions', 'session', 'update'),
  delete: controlSubject('sessions', 'session', 'delete'),
  listMessages: controlSubject('sessions', 'message', 'list'),
  appendMessage: controlSubject('sessions', 'message', 'append'),
  history: controlSubject('sessions', 'history', 'get'),
  /** Durable (JetStream stream of domain `sessions`): llm-router → session-store. */
  turnCommitted: eventSubject('sessions', 'turn', 'committed'),
  /** Live (core NATS): session-store → agent-api's /ws/events. */
  sessionCreated: eventSubject('sessions', 'session', 'created'),
  sessionEnded: eventSubject('sessions', 'session', 'ended'),
  turnRecorded: eventSubject('sessions', 'turn', 'recorded'),
} as const;

export const SESSION_TYPES = ['web', 'webrtc', 'discord', 'api', 'extension'] as const;
export type SessionType = (typeof SESSION_TYPES)[number];
export const MESSAGE_ROLES = ['user', 'assistant', 'system'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

export class CreateSessionRequest {
  @IsString() @IsNotEmpty() @MaxLength(100) user_id!: string;
  @IsUUID() agent_id!: string;
  @IsOptional() @IsString() @MaxLength(100) user_name?: string;
  @IsOptional() @IsString() @MaxLength(200) title?: string;
  @IsOptional() @IsIn(SESSION_TYPES) session_type?: SessionType;
  @IsOptional() @IsObject() session_metadata?: Record<string, unknown>;
  /** The API key that creates the session (set by agent-api from the caller's key); a `client` key sees only its own. */
  @IsOptional() @IsUUID() created_by_key_id?: string;
}

/** The longest `q` a session search takes. */
export const SESSION_SEARCH_MAX_CHARS = 200;

export class ListSessionsRequest {
  @IsOptional() @IsString() @MaxLength(100) user_id?: string;
  @IsOptional() @IsUUID() agent_id?: string;
  @IsOptional() @IsBoolean() active?: boolean;
  /** Only the sessions this API key created (agent-api sets it for `client` keys). */
  @IsOptional() @IsUUID() created_by_key_id?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  /** Opaque cursor from a previous page's `next_cursor`. */
  @IsOptional() @IsString() @MaxLength(200) cursor?: string;
  /**
   * Full-text search (Postgres `websearch_to_tsquery`, 'simple' configuration: any language, no
   * stemming): only sessions whose title or a message's text matches. Same order and paging.
   */
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(SESSION_SEARCH_MAX_CHARS) q?: string;
  /** `true`: only sessions with at least one message (agent-api's default for `GET /api/sessions`). */
  @IsOptional() @IsBoolean() has_messages?: boolean;
}

export class SessionIdRequest {
  @IsUUID() id!: string;
}

export class UpdateSessionRequest {
  @IsUUID() id!: string;
  @IsOptional() @IsString() @MaxLength(200) title?: string;
  @IsOptional() @IsBoolean() active?: boolean;
}

export class ListMessagesRequest {
  @IsUUID() session_id!: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

export class AppendMessageRequest {
  @IsUUID() session_id!: string;
  @IsIn(MESSAGE_ROLES) role!: MessageRole;
  @IsString() @IsNotEmpty() @MaxLength(100_000) content!: string;
  @IsOptional() @IsString() @MaxLength(100) speaker?: string;
}

export class HistoryRequest {
  @IsUUID() session_id!: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) max_turns?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(100) @Max(1_000_000) max_chars?: number;
}

export interface SessionDto {
  id: string;
  user_id: string;
  user_name: string | null;
  title: string;
  agent_id: string;
  active: boolean;
  started_at: string;
  ended_at: string | null;
  session_type: SessionType;
  session_metadata: Record<string, unknown>;
  message_count: number;
  /** The API key that created the session; null: created before keys were recorded, or by a service (admin keys only). */
  created_by_key_id?: string | null;
}

export interface SessionPage {
  items: SessionDto[];
  next_cursor: string | null;
}

export interface MessageDto {
  id: string;
  session_id: string;
  /** The voice/text turn the message belongs to; null for messages appended through the API. */
  turn_id: string | null;
  role: MessageRole;
  content: string;
  speaker: string | null;
  /** User messages of a session with several people (Discord): whose words, and their display name. */
  speaker_id?: string | null;
  speaker_name?: string | null;
  created_at: string;
  stt_latency_ms: number | null;
  llm_ttft_ms: number | null;
  tts_ttfb_ms: number | null;
  total_latency_ms: number | null;
  overhead_ms: number | null;
  /** For assistant messages: the user spoke over it; `content` holds only what was heard. */
  interrupted: boolean;
  provider: string | null;
  model: string | null;
  /** A voice turn's assistant message: where the time went, mark by mark (timeline.ts). */
  timeline: MessageTimeline | null;
  /**
   * A failed turn's assistant message: which stage failed, whose provider, its error code and
   * message. `content` then holds what the user heard instead (the apology), or '' when nothing was
   * played. Null (or absent, from older replies) for a turn that did not fail.
   */
  error?: MessageError | null;
}

export const FAILURE_STAGES = ['stt', 'llm', 'tts'] as const;
export type FailureStage = (typeof FAILURE_STAGES)[number];

/** What went wrong in a turn, as stored on its assistant message. */
export interface MessageError {
  stage: FailureStage;
  /** The provider that failed; null when none was tried (no provider configured, agent not found). */
  provider: string | null;
  code: string;
  message: string | null;
}

/** A turn's timeline as the API returns it. Spans never negative; they add up to `total_ms`. */
export interface MessageTimeline {
  /** Epoch milliseconds, each set by the service that saw the moment. */
  marks_at_ms: TimelineMarks;
  spans: Array<{ name: string; owner: SpanOwner; start_ms: number; duration_ms: number }>;
  /** Last voiced sample → first frame sent to the user; null unless both are marked. */
  total_ms: number | null;
  /** Sum of the fleet's own spans; null unless every mark is there. */
  overhead_ms: number | null;
}

export interface HistoryDto {
  session_id: string;
  /** Oldest first; assistant turns as the user heard them. */
  messages: Array<{ role: MessageRole; content: string; speaker_name?: string }>;
}

/** A finished turn (durable): written once per `turn_id`, however often it is delivered. */
export class TurnCommittedEvent {
  @IsUUID() turn_id!: string;
  @IsUUID() session_id!: string;
  @IsUUID() agent_id!: string;
  @IsString() @MaxLength(100_000) user_text!: string;
  /** Only the words whose audio was played when interrupted. */
  @IsString() @MaxLength(100_000) assistant_text!: string;
  @IsBoolean() interrupted!: boolean;
  @IsOptional() @IsString() @MaxLength(100) speaker?: string;
  /** Sessions with several people: whose words (the frames' `Vb-Speaker-Id`) and their display name. */
  @IsOptional() @Matches(SPEAKER_ID_PATTERN) speaker_id?: string;
  @IsOptional() @IsString() @MaxLength(SPEAKER_NAME_MAX_CHARS) speaker_name?: string;
  @IsOptional() @IsInt() @Min(0) stt_latency_ms?: number;
  @IsOptional() @IsInt() @Min(0) llm_ttft_ms?: number;
  @IsOptional() @IsInt() @Min(0) tts_ttfb_ms?: number;
  @IsOptional() @IsInt() @Min(0) total_latency_ms?: number;
  @IsOptional() @IsInt() overhead_ms?: number;
  @IsOptional() @IsString() @MaxLength(100) provider?: string;
  @IsOptional() @IsString() @MaxLength(200) model?: string;
  @IsString() committed_at!: string;
}

/** `sessionCreated` / `sessionEnded` live events: the session as the API returns it. */
export class SessionEvent implements SessionDto {
  @IsUUID() id!: string;
  @IsString() user_id!: string;
  @IsOptional() @IsString() user_name!: string | null;
  @IsString() title!: string;
  @IsUUID() agent_id!: string;
  @IsBoolean() active!: boolean;
  @IsString() started_at!: string;
  @IsOptional() @IsString() ended_at!: string | null;
  @IsIn(SESSION_TYPES) session_type!: SessionType;
  @IsObject() session_metadata!: Record<string, unknown>;
  @IsInt() @Min(0) message_count!: number;
  @IsOptional() @IsUUID() created_by_key_id?: string | null;
}

/** `turnRecorded` live event: a committed turn as stored (the user and assistant MessageDto). */
export class TurnRecordedEvent {
  @IsUUID() session_id!: string;
  @IsUUID() agent_id!: string;
  @IsUUID() turn_id!: string;
  @IsArray() messages!: MessageDto[];
}
