import { Injectable } from '@nestjs/common';
import type { SessionType } from '@voxbridge/contracts';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DEFAULT_SESSION_TITLE } from '../persistence/session-defaults';
import { SessionEntity } from '../persistence/session.entity';
import type { SessionCursor } from './session-cursor';

export interface NewSession {
  userId: string;
  userName: string | null;
  title: string | null;
  agentId: string;
  sessionType: SessionType;
  sessionMetadata: Record<string, unknown>;
  createdByKeyId: string | null;
}

export interface SessionFilter {
  userId?: string;
  createdByKeyId?: string;
  agentId?: string;
  active?: boolean;
  /** Full-text search over the title and the messages' text ('simple' configuration). */
  search?: string;
  /** Only sessions with at least one message. */
  hasMessages?: boolean;
}

export interface SessionChanges {
  title?: string;
  active?: boolean;
}

/** An abandoned voice session (`s`), idle for `$1` ms: see `idleCandidates`. */
const IDLE_SESSION = `s."active" and s."session_type" = 'webrtc'
  and greatest(s."started_at", coalesce(s."last_seen_at", s."started_at"),
               coalesce((select max(m."created_at") from "session_store"."messages" m where m."session_id" = s."id"), s."started_at"))
      < now() - make_interval(secs => $1::double precision / 1000)
  and not exists (select 1 from "session_store"."turn_facts" f where f."session_id" = s."id")`;

/** `session_store.sessions`: rows in, SessionEntity out. */
@Injectable()
export class SessionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(session: NewSession): Promise<SessionEntity> {
    const id = randomUUID();
    await this.dataSource.query(
      `insert into "session_store"."sessions" ("id", "user_id", "user_name", "title", "agent_id", "session_type", "session_metadata", "created_by_key_id")
       values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)`,
      [
        id,
        session.userId,
        session.userName,
        session.title ?? DEFAULT_SESSION_TITLE,
        session.agentId,
        session.sessionType,
        JSON.stringify(session.sessionMetadata),
        session.createdByKeyId,
      ],
    );
    return this.dataSource.manager.findOneByOrFail(SessionEntity, { id });
  }

  findById(id: string): Promise<SessionEntity | null> {
    return this.dataSource.manager.findOneBy(SessionEntity, { id });
  }

  /** Newest first; `limit` rows after `cursor` (exclusive). One indexed range scan, no per-row work. */
  list(filter: SessionFilter, limit: number, cursor: SessionCursor | null): Promise<SessionEntity[]> {
    const query = this.dataSource.manager.createQueryBuilder(SessionEntity, 's');
    if (filter.userId !== undefined) query.andWhere('s.userId = :userId', { userId: filter.userId });
    if (filter.agentId !== undefined) query.andWhere('s.agentId = :agentId', { agentId: filter.agentId });
    if (filter.createdByKeyId !== undefined) query.andWhere('s.createdByKeyId = :createdByKeyId', { createdByKeyId: filter.createdByKeyId });
    if (filter.active !== undefined) query.andWhere('s.active = :active', { active: filter.active });
    if (filter.hasMessages) query.andWhere('s.messageCount > 0');
    if (filter.search !== undefined) {
      // Both sides use the GIN expression indexes of migration ConversationSearch1796900000000.
      query.andWhere(
        `(to_tsvector('simple', s.title) @@ websearch_to_tsquery('simple', :search)
          or exists (select 1 from "session_store"."messages" m
                     where m."session_id" = s.id and to_tsvector('simple', m."content") @@ websearch_to_tsquery('simple', :search)))`,
        { search: filter.search },
      );
    }
    if (cursor) {
      query.andWhere('(s.startedAt, s.id) < (cast(:cursorAt as timestamptz), cast(:cursorId as uuid))', {
        cursorAt: cursor.startedAt.toISOString(),
        cursorId: cursor.id,
      });
    }
    return query.orderBy('s.startedAt', 'DESC').addOrderBy('s.id', 'DESC').limit(limit).getMany();
  }

  /**
   * Applies the changes; `active=false` stamps `ended_at` once (when it was active), `active=true`
   * clears it. Returns the row before and after, or null when there is no such session.
   */
  async update(id: string, changes: SessionChanges): Promise<{ before: SessionEntity; after: SessionEntity } | null> {
    return this.dataSource.transaction(async (manager) => {
      const before = await manager.findOne(SessionEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!before) return null;
      await manager.query(
        `update "session_store"."sessions" set
           "title" = coalesce($2, "title"),
           "active" = coalesce($3, "active"),
           "ended_at" = case
             when $3::boolean is null then "ended_at"
             when $3::boolean then null
             when "active" then now()
             else "ended_at" end,
           "last_seen_at" = case when $3::boolean then now() else "last_seen_at" end
         where "id" = $1`,
        [id, changes.title ?? null, changes.active ?? null],
      );
      const after = await manager.findOneByOrFail(SessionEntity, { id });
      return { before, after };
    });
  }

  /**
   * Active `webrtc` sessions with no sign of life for `idleMs`: no message, no reactivation, not
   * seen alive by the sweep, and no voice turn still being assembled. Oldest first.
   */
  async idleCandidates(idleMs: number, limit: number): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `select s."id" from "session_store"."sessions" s
       where ${IDLE_SESSION} order by s."started_at" limit $2`,
      [idleMs, limit],
    );
    return rows.map((row) => row.id);
  }

  /** The session was seen alive now (a gateway holds its pipeline). */
  async touch(id: string): Promise<void> {
    await this.dataSource.query(`update "session_store"."sessions" set "last_seen_at" = now() where "id" = $1`, [id]);
  }

  /** Ends the session if it is still idle (checked again under the row lock); the ended row, or null. */
  async endIfIdle(id: string, idleMs: number): Promise<SessionEntity | null> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `update "session_store"."sessions" s set "active" = false, "ended_at" = now()
       where s."id" = $2 and ${IDLE_SESSION}
       returning s."id"`,
      [idleMs, id],
    );
    return rows.length > 0 ? this.findById(id) : null;
  }

  /** True when a row was deleted (its messages go with it: on delete cascade). */
  async delete(id: string): Promise<boolean> {
    const ids = await this.deleteReturningIds(`delete from "session_store"."sessions" where "id" = $1 returning "id"`, [id]);
    return ids.length > 0;
  }

  /** Ids of the deleted sessions (none when the agent had none). */
  deleteByAgent(agentId: string): Promise<string[]> {
    return this.deleteReturningIds(`delete from "session_store"."sessions" where "agent_id" = $1 returning "id"`, [agentId]);
  }

  // DataSource.query answers a DELETE with [rows, count]; the structured result is unambiguous.
  private async deleteReturningIds(sql: string, params: unknown[]): Promise<string[]> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const result = await runner.query(sql, params, true);
      return (result.records as Array<{ id: string }>).map((row) => row.id);
    } finally {
      await runner.release();
    }
  }
}
