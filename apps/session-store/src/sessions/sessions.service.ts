import { Injectable } from '@nestjs/common';
import type { SessionDto, SessionPage, SessionType } from '@voxbridge/contracts';
import { AppLogger } from '@voxbridge/platform';
import { ConversationChanges } from '../changes/conversation-changes';
import { decodeCursor, encodeCursor } from './session-cursor';
import { toSessionDto } from './session.mapper';
import { SessionsError } from './sessions.errors';
import { SessionsRepository, type SessionFilter } from './sessions.repository';

export const DEFAULT_PAGE_SIZE = 50;
const DEFAULT_SESSION_TYPE: SessionType = 'web';

export interface CreateSession {
  userId: string;
  agentId: string;
  userName?: string;
  title?: string;
  sessionType?: SessionType;
  sessionMetadata?: Record<string, unknown>;
  /** The API key creating it (agent-api sets it); absent: null, admin keys only. */
  createdByKeyId?: string;
}

export interface ListSessions extends SessionFilter {
  limit?: number;
  cursor?: string;
}

export interface SessionUpdate {
  session: SessionDto;
  /** This update ended an active session (active → false). */
  ended: boolean;
}

@Injectable()
export class SessionsService {
  private readonly logger: AppLogger;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly changes: ConversationChanges,
    logger: AppLogger,
  ) {
    this.logger = logger.child({ component: 'sessions' });
  }

  async create(input: CreateSession): Promise<SessionDto> {
    const row = await this.sessions.insert({
      userId: input.userId,
      agentId: input.agentId,
      userName: input.userName ?? null,
      title: input.title ?? null,
      sessionType: input.sessionType ?? DEFAULT_SESSION_TYPE,
      sessionMetadata: input.sessionMetadata ?? {},
      createdByKeyId: input.createdByKeyId ?? null,
    });
    this.logger.info('session created', { session_id: row.id, agent_id: row.agentId, session_type: row.sessionType });
    return toSessionDto(row);
  }

  async list(input: ListSessions): Promise<SessionPage> {
    const limit = input.limit ?? DEFAULT_PAGE_SIZE;
    const cursor = input.cursor !== undefined ? decodeCursor(input.cursor) : null;
    // One extra row tells whether another page exists without a count query.
    const rows = await this.sessions.list(
      {
        userId: input.userId,
        agentId: input.agentId,
        active: input.active,
        createdByKeyId: input.createdByKeyId,
        search: input.search,
        hasMessages: input.hasMessages,
      },
      limit + 1,
      cursor,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toSessionDto),
      next_cursor: rows.length > limit && last ? encodeCursor({ startedAt: last.startedAt, id: last.id }) : null,
    };
  }

  async get(id: string): Promise<SessionDto> {
    const row = await this.sessions.findById(id);
    if (!row) throw SessionsError.notFound(id);
    return toSessionDto(row);
  }

  async update(id: string, changes: { title?: string; active?: boolean }): Promise<SessionUpdate> {
    const result = await this.sessions.update(id, changes);
    if (!result) throw SessionsError.notFound(id);
    const ended = result.before.active && !result.after.active;
    if (ended) this.logger.info('session ended', { session_id: id });
    return { session: toSessionDto(result.after), ended };
  }

  async delete(id: string): Promise<void> {
    if (!(await this.sessions.delete(id))) throw SessionsError.notFound(id);
    this.changes.changed(id);
    this.logger.info('session deleted', { session_id: id });
  }

  /** Idempotent: deleting the sessions of an agent that has none is a no-op. Returns how many went. */
  async deleteByAgent(agentId: string): Promise<number> {
    const ids = await this.sessions.deleteByAgent(agentId);
    for (const id of ids) this.changes.changed(id);
    if (ids.length > 0) this.logger.info('sessions of a deleted agent removed', { agent_id: agentId, count: ids.length });
    return ids.length;
  }
}
