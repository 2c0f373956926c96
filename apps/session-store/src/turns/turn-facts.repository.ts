import { Injectable } from '@nestjs/common';
import type { TimelineMarks } from '@voxbridge/contracts';
import { DataSource } from 'typeorm';
import type { TurnFactSet } from './turn-assembly';

export type TurnFactKind = keyof TurnFactSet;

/**
 * `session_store.turn_facts`: the stages' facts of voice turns not written yet. A fact is stored
 * once per turn and kind (a redelivery changes nothing); tts-gateway's heard progress replaces
 * the stored one only with a higher `seq`.
 */
@Injectable()
export class TurnFactsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async store(kind: TurnFactKind, fact: { turn_id: string; session_id: string; seq?: number }): Promise<void> {
    await this.dataSource.query(
      `insert into "session_store"."turn_facts" ("turn_id", "kind", "session_id", "seq", "fact")
       values ($1, $2, $3, $4, $5::jsonb)
       on conflict ("turn_id", "kind") do update
         set "fact" = excluded."fact", "seq" = excluded."seq", "received_at" = now()
         where "turn_facts"."seq" < excluded."seq"`,
      [fact.turn_id, kind, fact.session_id, fact.seq ?? 0, JSON.stringify(fact)],
    );
  }

  /** The turn's facts, and whether its messages are already written. */
  async load(turnId: string): Promise<{ facts: TurnFactSet; written: boolean }> {
    const rows = await this.dataSource.query<Array<{ kind: TurnFactKind | null; fact: unknown; written: boolean }>>(
      `select f."kind", f."fact",
              exists (select 1 from "session_store"."messages" m where m."turn_id" = $1 and m."role" = 'assistant') as "written"
       from (select 1) one left join "session_store"."turn_facts" f on f."turn_id" = $1`,
      [turnId],
    );
    const facts: Record<string, unknown> = {};
    for (const row of rows) if (row.kind) facts[row.kind] = row.fact;
    return { facts: facts as TurnFactSet, written: rows[0]?.written ?? false };
  }

  /** Turns whose newest fact is older than `quietMs` (a stage died before the turn was complete). */
  async quietTurns(quietMs: number, limit: number): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ turn_id: string }>>(
      `select "turn_id" from "session_store"."turn_facts"
       group by "turn_id" having max("received_at") < now() - make_interval(secs => $1::double precision / 1000)
       limit $2`,
      [quietMs, limit],
    );
    return rows.map((row) => row.turn_id);
  }

  async remove(turnId: string): Promise<void> {
    await this.dataSource.query(`delete from "session_store"."turn_facts" where "turn_id" = $1`, [turnId]);
  }

  /** A fact that came after its turn was written: its marks complete the stored timeline. */
  async mergeMarks(turnId: string, marks: TimelineMarks, figures: { totalLatencyMs: number | null; overheadMs: number | null }): Promise<void> {
    await this.dataSource.query(
      `update "session_store"."messages"
       set "timeline" = $2::jsonb, "total_latency_ms" = coalesce($3, "total_latency_ms"), "overhead_ms" = coalesce($4, "overhead_ms")
       where "turn_id" = $1 and "role" = 'assistant'`,
      [turnId, JSON.stringify(marks), figures.totalLatencyMs, figures.overheadMs],
    );
  }

  /** The stored timeline marks of a written turn. */
  async storedMarks(turnId: string): Promise<TimelineMarks | null> {
    const rows = await this.dataSource.query<Array<{ timeline: TimelineMarks | null }>>(
      `select "timeline" from "session_store"."messages" where "turn_id" = $1 and "role" = 'assistant'`,
      [turnId],
    );
    return rows[0]?.timeline ?? null;
  }
}
