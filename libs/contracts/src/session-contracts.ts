import { Type } from 'class-transformer';
import { IsArray, IsIn, IsOptional, IsString, IsUUID, MaxLength, ValidateNested } from 'class-validator';
import { SPEAKER_NAME_MAX_CHARS } from './audio';
import { requestContract } from './contract';
import {
  CreateSessionRequest,
  HistoryRequest,
  ListSessionsRequest,
  MESSAGE_ROLES,
  SessionEvent,
  SessionIdRequest,
  SessionSubjects,
  UpdateSessionRequest,
  type HistoryDto,
  type MessageRole,
} from './sessions';

/** A session as session-store answers it: the same shape as the `sessionCreated` live event. */
export class SessionReply extends SessionEvent {}

/** A page of sessions, newest first (`next_cursor`: the next page's cursor, null on the last). */
export class SessionPageReply {
  @IsArray() @ValidateNested({ each: true }) @Type(() => SessionReply) items!: SessionReply[];
  @IsOptional() @IsString() next_cursor!: string | null;
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

/** session-store's calls used by the pipeline and the gateways, one timeout for all. */
export const SessionContracts = {
  create: requestContract({ subject: SessionSubjects.create, request: CreateSessionRequest, reply: SessionReply, timeoutMs: SESSION_STORE_TIMEOUT_MS }),
  list: requestContract({ subject: SessionSubjects.list, request: ListSessionsRequest, reply: SessionPageReply, timeoutMs: SESSION_STORE_TIMEOUT_MS }),
  get: requestContract({ subject: SessionSubjects.get, request: SessionIdRequest, reply: SessionReply, timeoutMs: SESSION_STORE_TIMEOUT_MS }),
  update: requestContract({ subject: SessionSubjects.update, request: UpdateSessionRequest, reply: SessionReply, timeoutMs: SESSION_STORE_TIMEOUT_MS }),
  history: requestContract({ subject: SessionSubjects.history, request: HistoryRequest, reply: HistoryReply, timeoutMs: SESSION_STORE_TIMEOUT_MS }),
} as const;
