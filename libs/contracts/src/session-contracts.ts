import { Type } from 'class-transformer';
import { Equals, IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, MaxLength, Min, ValidateNested } from 'class-validator';
import { SPEAKER_NAME_MAX_CHARS } from './audio';
import { requestContract } from './contract';
import {
  AppendMessageRequest,
  CreateSessionRequest,
  HistoryRequest,
  ListMessagesRequest,
  ListSessionsRequest,
  MESSAGE_ROLES,
  SessionEvent,
  SessionIdRequest,
  SessionSubjects,
  UpdateSessionRequest,
  type HistoryDto,
  type MessageDto,
  type MessageError,
  type MessageRole,
  type MessageTimeline,
} from './sessions';

/** A session as session-store answers it: the same shape as the `sessionCreated` live event. */
export class SessionReply extends SessionEvent {}

/** A page of sessions, newest first (`next_cursor`: the next page's cursor, null on the last). */
export class SessionPageReply {
  @IsArray() @ValidateNested({ each: true }) @Type(() => SessionReply) items!: SessionReply[];
  @IsOptional() @IsString() next_cursor!: string | null;
}

/** A stored message as session-store answers it (every field of `MessageDto`: undeclared ones would be dropped). */
export class MessageReply implements MessageDto {
  @IsUUID() id!: string;
  @IsUUID() session_id!: string;
  @IsOptional() @IsUUID() turn_id!: string | null;
  @IsIn(MESSAGE_ROLES) role!: MessageRole;
  @IsString() content!: string;
  @IsOptional() @IsString() speaker!: string | null;
  @IsOptional() @IsString() speaker_id?: string | null;
  @IsOptional() @IsString() speaker_name?: string | null;
  @IsString() created_at!: string;
  @IsOptional() @IsInt() @Min(0) stt_latency_ms!: number | null;
  @IsOptional() @IsInt() @Min(0) llm_ttft_ms!: number | null;
  @IsOptional() @IsInt() @Min(0) tts_ttfb_ms!: number | null;
  @IsOptional() @IsInt() @Min(0) total_latency_ms!: number | null;
  @IsOptional() @IsInt() @Min(0) overhead_ms!: number | null;
  @IsBoolean() interrupted!: boolean;
  @IsOptional() @IsString() provider!: string | null;
  @IsOptional() @IsString() model!: string | null;
  @IsOptional() @IsObject() timeline!: MessageTimeline | null;
  @IsOptional() @IsObject() error?: MessageError | null;
}

/** A session's messages, oldest first. */
export class MessageListReply {
  @IsArray() @ValidateNested({ each: true }) @Type(() => MessageReply) items!: MessageReply[];
}

/** The answer to a delete: the id that no longer exists. */
export class SessionDeletedReply {
  @IsUUID() id!: string;
  @Equals(true) deleted!: true;
}

export class HistoryMessage {
  @IsIn(MESSAGE_ROLES) role!: MessageRole;
  @IsString() content!: string;
  /** User messages of a conversation with several people: who said it. */
  @IsOptional() @IsString() @MaxLength(SPEAKER_NAME_MAX_CHARS) speaker_name?: string;
}

export class HistoryReply implements HistoryDto {
  @IsUUID() session_id!: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => HistoryMessage) messages!: HistoryMessage[];
}

const SESSION_STORE_TIMEOUT_MS = 2_000;

/** session-store's calls, as agent-api, the pipeline and the gateways make them; one timeout for all. */
export const SessionContracts = {
  create: requestContract({ subject: SessionSubjects.create, request: CreateSessionRequest, reply: SessionReply, timeoutMs: SESSION_STORE_TIMEOUT_MS }),
  list: requestContract({ subject: SessionSubjects.list, request: ListSessionsRequest, reply: SessionPageReply, timeoutMs: SESSION_STORE_TIMEOUT_MS }),
  get: requestContract({ subject: SessionSubjects.get, request: SessionIdRequest, reply: SessionReply, timeoutMs: SESSION_STORE_TIMEOUT_MS }),
  update: requestContract({ subject: SessionSubjects.update, request: UpdateSessionRequest, reply: SessionReply, timeoutMs: SESSION_STORE_TIMEOUT_MS }),
  delete: requestContract({ subject: SessionSubjects.delete, request: SessionIdRequest, reply: SessionDeletedReply, timeoutMs: SESSION_STORE_TIMEOUT_MS }),
  listMessages: requestContract({ subject: SessionSubjects.listMessages, request: ListMessagesRequest, reply: MessageListReply, timeoutMs: SESSION_STORE_TIMEOUT_MS }),
  appendMessage: requestContract({ subject: SessionSubjects.appendMessage, request: AppendMessageRequest, reply: MessageReply, timeoutMs: SESSION_STORE_TIMEOUT_MS }),
  history: requestContract({ subject: SessionSubjects.history, request: HistoryRequest, reply: HistoryReply, timeoutMs: SESSION_STORE_TIMEOUT_MS }),
} as const;
