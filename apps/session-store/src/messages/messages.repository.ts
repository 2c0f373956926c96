import { Injectable } from '@nestjs/common';
import type { MessageRole } from '@voxbridge/contracts';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { MessageEntity } from '../persistence/message.entity';
import { DEFAULT_SESSION_TITLE } from '../persistence/session-defaults';
import { autoTitle } from './auto-title';

export interface NewMessage {
  role: MessageRole;
  content: string;
  speaker: string | null;
  turnId: string | null;
  /** Null: the database's now(). */
  createdAt: Date | null;
  sttLatencyMs: number | null;
  llmTtftMs: number | null;
  ttsTtfbMs: number | null;
  totalLatencyMs: number | null;
  overheadMs: number | null;
  interrupted: boolean;
  provider: string | null;
  model: string | null;
}

export interface WriteResult {
  /** Rows this call inserted (0 when the turn had been written before). */
  inserted: number;
  /** The messages as stored (for a turn: both of them, whoever inserted them). */
  messages: MessageEntity[];
}

/** Newest user messages a history may span, as an upper bound on rows read. */
const HISTORY_ROW_CAP = 2_000;

/**
 * `session_store.messages`. Every write locks its session row, inserts, bumps `message_count` by
 * what was really inserted and auto-titles the session — in one transaction, whatever the path.
 */
@Injectable()
export class MessagesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The stored message, or null when the session does not exist. */
  append(sessionId: string, message: NewMessage): Promise<MessageEntity | null> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await lockSession(manager, sessionId))) return null;
      const id = await insertMessage(manager, sessionId, message);
      if (!id) throw new Error('message insert conflicted without a turn id');
      await afterInsert(manager, sessionId, [{ id, role: message.role, content: message.content }]);
      return manager.findOneByOrFail(MessageEntity, { id });
    });
  }

  /**
   * Writes a turn's messages idempotently: `(turn_id, role)` is unique, so a redelivered turn
   * inserts nothing. Null when the session does not exist (nothing written).
   */
  writeTurn(sessionId: string, turnId: string, messages: NewMessage[]): Promise<WriteResult | null> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await lockSession(manager, sessionId))) return null;
      const inserted: Array<{ id: string; role: MessageRole; content: string }> = [];
      for (const message of messages) {
        const id = await insertMessage(manager, sessionId, { ...message, turnId });
        if (id) inserted.push({ id, role: message.role, content: message.content });
      }
      await afterInsert(manager, sessionId, inserted);
      const stored = await manager.find(MessageEntity, { where: { turnId }, order: { seq: 'ASC' } });
      return { inserted: inserted.length, messages: stored };
    });
  }

  async sessionExists(sessionId: string): Promise<boolean> {
    const rows = await this.dataSource.query<Array<{ one: number }>>(`select 1 as "one" from "session_store"."sessions" where "id" = $1`, [
      sessionId,
    ]);
    return rows.length > 0;
  }

  /** The first `limit` messages of a session, in write order. */
  list(sessionId: string, limit: number): Promise<MessageEntity[]> {
    return this.dataSource.manager.find(MessageEntity, { where: { sessionId }, order: { seq: 'ASC' }, take: limit });
  }

  /**
   * The messages from the `maxTurns`-th newest user message on (all of them when there are fewer),
   * newest first: enough for a history of `maxTurns` turns.
   */
  recentTurns(sessionId: string, maxTurns: number): Promise<Array<Pick<MessageEntity, 'role' | 'content'>>> {
    return this.dataSource.query(
      `select "role", "content" from "session_store"."messages"
       where "session_id" = $1 and "seq" >= coalesce((
         select "seq" from "session_store"."messages"
         where "session_id" = $1 and "role" = 'user' order by "seq" desc offset $2 limit 1), 0)
       order by "seq" desc limit $3`,
      [sessionId, maxTurns - 1, HISTORY_ROW_CAP],
    );
  }
}

/** Locks the session row for this transaction (serializing its writers); false when it does not exist. */
async function lockSession(manager: EntityManager, sessionId: string): Promise<boolean> {
  const rows: unknown[] = await manager.query(`select 1 from "session_store"."sessions" where "id" = $1 for update`, [sessionId]);
  return rows.length > 0;
}

/** The new row's id, or null when `(turn_id, role)` was already there. */
async function insertMessage(manager: EntityManager, sessionId: string, m: NewMessage): Promise<string | null> {
  const rows: Array<{ id: string }> = await manager.query(
    `insert into "session_store"."messages"
       ("id", "session_id", "turn_id", "role", "content", "speaker", "created_at",
        "stt_latency_ms", "llm_ttft_ms", "tts_ttfb_ms", "total_latency_ms", "overhead_ms", "interrupted", "provider", "model")
     values ($1, $2, $3, $4, $5, $6, coalesce($7::timestamptz, now()), $8, $9, $10, $11, $12, $13, $14, $15)
     on conflict ("turn_id", "role") do nothing
     returning "id"`,
    [
      randomUUID(),
      sessionId,
      m.turnId,
      m.role,
      m.content,
      m.speaker,
      m.createdAt ? m.createdAt.toISOString() : null,
      m.sttLatencyMs,
      m.llmTtftMs,
      m.ttsTtfbMs,
      m.totalLatencyMs,
      m.overheadMs,
      m.interrupted,
      m.provider,
      m.model,
    ],
  );
  return rows[0]?.id ?? null;
}

/** Counts the inserted rows and lets the first user message title a session still called DEFAULT_SESSION_TITLE. */
async function afterInsert(
  manager: EntityManager,
  sessionId: string,
  inserted: Array<{ id: string; role: MessageRole; content: string }>,
): Promise<void> {
  if (inserted.length === 0) return;
  await manager.query(`update "session_store"."sessions" set "message_count" = "message_count" + $2 where "id" = $1`, [
    sessionId,
    inserted.length,
  ]);
  const firstUser = inserted.find((m) => m.role === 'user');
  const title = firstUser ? autoTitle(firstUser.content) : null;
  if (!firstUser || !title) return;
  await manager.query(
    `update "session_store"."sessions" set "title" = $2
     where "id" = $1 and "title" = $4
       and not exists (select 1 from "session_store"."messages"
                       where "session_id" = $1 and "role" = 'user' and "id" <> $3)`,
    [sessionId, title, firstUser.id, DEFAULT_SESSION_TITLE],
  );
}
