import { Injectable } from '@nestjs/common';
import { Bus } from '@voxbridge/bus';
import {
  ErrorCode,
  SessionContracts,
  type AppendMessageRequest,
  type CreateSessionRequest,
  type ListMessagesRequest,
  type ListSessionsRequest,
  type MessageDto,
  type SessionDto,
  type SessionPage,
  type UpdateSessionRequest,
} from '@voxbridge/contracts';
import type { Principal } from '../auth/principal';
import { AgentDirectory } from './agent-directory';
import { SessionsError } from './sessions.errors';
import type { ExportFormat } from './sessions.dto';
import { transcriptText, type SessionExport } from './transcript-export';

/** Messages an export holds at most (session-store's largest message page). */
export const EXPORT_MAX_MESSAGES = 1_000;

/** A transcript file: what `GET /api/sessions/:id/export` sends. */
export interface TranscriptFile {
  filename: string;
  contentType: string;
  body: SessionExport | string;
}

/** Drops absent optional fields: session-store's contract refuses nothing but it forbids unknown keys. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Who asks: the part of a Principal that decides what it may see. */
export type Caller = Pick<Principal, 'keyId' | 'role'>;

/**
 * Whether `principal` may see `session`: an admin key sees every session, a client key only the
 * ones it created (a session with no recorded key is admin-only).
 */
export function canSee(principal: Caller, session: Pick<SessionDto, 'created_by_key_id'>): boolean {
  return principal.role === 'admin' || (typeof session.created_by_key_id === 'string' && session.created_by_key_id === principal.keyId);
}

/**
 * Sessions and their messages, kept by session-store; agent-api checks what only it knows (agents,
 * and which key may see which session). Another key's session is "not found", exactly as a session
 * that does not exist: a client key cannot learn that it exists.
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly bus: Bus,
    private readonly agents: AgentDirectory,
  ) {}

  async create(principal: Caller, request: Omit<CreateSessionRequest, 'created_by_key_id'>): Promise<SessionDto> {
    if (!(await this.agents.exists(request.agent_id))) {
      throw new SessionsError(ErrorCode.NotFound, 'agent_id: no such agent', { agent_id: ['no agent with this id'] });
    }
    return this.bus.call(SessionContracts.create, defined({ ...request, created_by_key_id: principal.keyId }));
  }

  /**
   * A page of sessions. Sessions with no message are left out unless `include_empty`; a blank `q`
   * is no search.
   */
  list(principal: Caller, query: Omit<ListSessionsRequest, 'created_by_key_id' | 'has_messages'> & { include_empty?: boolean }): Promise<SessionPage> {
    const { include_empty: includeEmpty, q, ...filters } = query;
    const request: ListSessionsRequest = { ...filters, ...(q ? { q } : {}), ...(includeEmpty === true ? {} : { has_messages: true }) };
    const scoped: ListSessionsRequest = principal.role === 'admin' ? request : { ...request, created_by_key_id: principal.keyId };
    return this.bus.call(SessionContracts.list, defined(scoped));
  }

  /** The whole conversation as a file (same access rule as every session route). */
  async export(principal: Caller, id: string, format: ExportFormat): Promise<TranscriptFile> {
    const session = await this.get(principal, id);
    const [messages, agentName] = await Promise.all([
      this.bus.call(SessionContracts.listMessages, { session_id: id, limit: EXPORT_MAX_MESSAGES }).then((page) => page.items),
      this.agents.name(session.agent_id),
    ]);
    const exported: SessionExport = { exported_at: new Date().toISOString(), agent_name: agentName, session, messages };
    return format === 'text'
      ? { filename: `conversation-${id}.txt`, contentType: 'text/plain; charset=utf-8', body: transcriptText(exported) }
      : { filename: `conversation-${id}.json`, contentType: 'application/json; charset=utf-8', body: exported };
  }

  /** The session if `principal` may see it; SessionsError not_found otherwise (whether it exists or not). */
  async get(principal: Caller, id: string): Promise<SessionDto> {
    const session = await this.bus.call(SessionContracts.get, { id });
    if (!canSee(principal, session)) throw new SessionsError(ErrorCode.NotFound, `session ${id} not found`);
    return session;
  }

  async update(principal: Caller, request: UpdateSessionRequest): Promise<SessionDto> {
    await this.assertVisible(principal, request.id);
    return this.bus.call(SessionContracts.update, defined(request));
  }

  async delete(principal: Caller, id: string): Promise<void> {
    await this.assertVisible(principal, id);
    await this.bus.call(SessionContracts.delete, { id });
  }

  async listMessages(principal: Caller, request: ListMessagesRequest): Promise<MessageDto[]> {
    await this.assertVisible(principal, request.session_id);
    return (await this.bus.call(SessionContracts.listMessages, defined(request))).items;
  }

  async appendMessage(principal: Caller, request: AppendMessageRequest): Promise<MessageDto> {
    await this.assertVisible(principal, request.session_id);
    return this.bus.call(SessionContracts.appendMessage, defined(request));
  }

  /** Admin keys skip the look-up (session-store answers not_found itself); client keys must own the session. */
  async assertVisible(principal: Caller, id: string): Promise<void> {
    if (principal.role === 'admin') return;
    await this.get(principal, id);
  }
}
