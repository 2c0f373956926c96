import { Injectable } from '@nestjs/common';
import type { MessageDto, MessageError, MessageRole, TimelineMarks } from '@voxbridge/contracts';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { MessageEntity } from '../persistence/message.entity';
import { DEFAULT_SESSION_TITLE } from '../persistence/session-defaults';
import { autoTitle } from './auto-title';

export interface NewMessage {
  role: MessageRole;
  content: string;
  speaker: string | null;
  /** Several people: whose words (user messages only). */
  speakerId: string | null;
  speakerName: string | null;
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
  timeline: TimelineMarks | null;
  /** A failed turn's assistant message: what went wrong. */
  error: MessageError | null;
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
   *
   * One statement (one round trip, atomic): lock the session row, insert what is new in order,
   * bump `message_count` by what was inserted, and title a session still called
   * DEFAULT_SESSION_TITLE from its first user message. The `not exists` check reads the snapshot
   * from before the statement, i.e. the user messages that were already there.
   */
  async writeTurn(sessionId: string, turnId: string, messages: NewMessage[]): Promise<WriteResult | null> {
    const params: unknown[] = [sessionId, turnId, DEFAULT_SESSION_TITLE];
    const firstUser = messages.find((m) => m.role === 'user');
    params.push(firstUser ? autoTitle(firstUser.content) : null);
    const rows = messages.map((m, index) => {
      const values: unknown[] = [index, randomUUID(), m.role, m.content, m.speaker, m.createdAt ? m.createdAt.toISOString() : null];
      values.push(m.sttLatencyMs, m.llmTtftMs, m.ttsTtfbMs, m.totalLatencyMs, m.overheadMs, m.interrupted, m.provider, m.model, m.timeline ? JSON.stringify(m.timeline) : null);
      values.push(m.speakerId, m.speakerName, m.error ? JSON.stringify(m.error) : null);
      const first = params.length + 1;
      params.push(...values);
      const p = (offset: number, cast: string) => `$${first + offset}::${cast}`;
      return `(${p(0, 'int')}, ${p(1, 'uuid')}, ${p(2, 'varchar')}, ${p(3, 'text')}, ${p(4, 'varchar')}, ${p(5, 'timestamptz')}, ${p(6, 'int')}, ${p(7, 'int')}, ${p(8, 'int')}, ${p(9, 'int')}, ${p(10, 'int')}, ${p(11, 'bool')}, ${p(12, 'varchar')}, ${p(13, 'varchar')}, ${p(14, 'jsonb')}, ${p(15, 'varchar')}, ${p(16, 'varchar')}, ${p(17, 'jsonb')})`;
    });
    const [outcome] = await this.dataSource.query<Array<{ found: number; inserted: MessageRow[] }>>(
      `with target as (
         select "id" from "session_store"."sessions" where "id" = $1 for update
       ), incoming ("ord", "id", "role", "content", "speaker", "created_at",
                    "stt", "llm", "tts", "total", "overhead", "interrupted", "provider", "model", "timeline", "speaker_id", "speaker_name", "error") as (
         values ${rows.join(', ')}
       ), inserted as (
         insert into "session_store"."messages"
           ("id", "session_id", "turn_id", "role", "content", "speaker", "created_at",
            "stt_latency_ms", "llm_ttft_ms", "tts_ttfb_ms", "total_latency_ms", "overhead_ms", "interrupted", "provider", "model", "timeline",
            "speaker_id", "speaker_name", "error")
         select i."id", t."id", $2::uuid, i."role", i."content", i."speaker", coalesce(i."created_at", now()),
                i."stt", i."llm", i."tts", i."total", i."overhead", i."interrupted", i."provider", i."model", i."timeline",
                i."speaker_id", i."speaker_name", i."error"
         from incoming i cross join target t
         order by i."ord"
         on conflict ("turn_id", "role") do nothing
         returning *
       ), counted as (
         update "session_store"."sessions" s
         set "message_count" = s."message_count" + (select count(*) from inserted),
             "title" = case
               when s."title" = $3 and $4::varchar is not null
                    and exists (select 1 from inserted where "role" = 'user')
                    and not exists (select 1 from "session_store"."messages" m where m."session_id" = $1 and m."role" = 'user')
               then $4::varchar else s."title" end
         where s."id" = $1 and exists (select 1 from inserted)
         returning s."id"
       )
       select (select count(*) from target)::int as "found",
              coalesce((select json_agg(to_jsonb(x) order by x."seq") from inserted x), '[]'::json) as "inserted"`,
      params,
    );
    if (!outcome || outcome.found === 0) return null;
    // The common case (a new turn) needs no second round trip; a redelivery reads what is stored.
    if (outcome.inserted.length === messages.length) return { inserted: outcome.inserted.length, messages: outcome.inserted.map(messageFromRow) };
    const stored = await this.dataSource.manager.find(MessageEntity, { where: { turnId }, order: { seq: 'ASC' } });
    return { inserted: outcome.inserted.length, messages: stored };
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
   * newest first: enough for a history of `maxTurns` turns. A failed turn's assistant message is
   * left out: the fleet said it (an apology), not the model.
   */
  recentTurns(sessionId: string, maxTurns: number): Promise<Array<Pick<MessageEntity, 'role' | 'content' | 'speakerName'>>> {
    return this.dataSource.query(
      `select "role", "content", "speaker_name" as "speakerName" from "session_store"."messages"
       where "session_id" = $1 and not ("role" = 'assistant' and "error" is not null) and "seq" >= coalesce((
         select "seq" from "session_store"."messages"
         where "session_id" = $1 and "role" = 'user' order by "seq" desc offset $2 limit 1), 0)
       order by "seq" desc limit $3`,
      [sessionId, maxTurns - 1, HISTORY_ROW_CAP],
    );
  }
}

/** A `session_store.messages` row as `to_jsonb` renders it: the DTO's snake_case fields plus `seq`. */
type MessageRow = Omit<MessageDto, 'timeline'> & { seq: number | string; timeline: TimelineMarks | null };

function messageFromRow(row: MessageRow): MessageEntity {
  return Object.assign(new MessageEntity(), {
    id: row.id,
    seq: String(row.seq),
    sessionId: row.session_id,
    turnId: row.turn_id,
    role: row.role,
    content: row.content,
    speaker: row.speaker,
    speakerId: row.speaker_id ?? null,
    speakerName: row.speaker_name ?? null,
    createdAt: new Date(row.created_at),
    sttLatencyMs: row.stt_latency_ms,
    llmTtftMs: row.llm_ttft_ms,
    ttsTtfbMs: row.tts_ttfb_ms,
    totalLatencyMs: row.total_latency_ms,
    overheadMs: row.overhead_ms,
    interrupted: row.interrupted,
    provider: row.provider,
    model: row.model,
    timeline: row.timeline,
    error: row.error ?? null,
  });
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
