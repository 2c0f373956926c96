import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Voice turns are assembled from the stages' durable facts: each fact is kept in `turn_facts`
 * until its turn is written (a later fact of the same kind replaces an earlier one only with a
 * higher `seq`: tts-gateway's progress). The assistant message keeps the turn's timeline marks.
 */
export class TurnFactsAndTimeline1796500000000 implements MigrationInterface {
  readonly name = 'TurnFactsAndTimeline1796500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      create table "session_store"."turn_facts" (
        "turn_id" uuid not null,
        "kind" varchar(20) not null check ("kind" in ('transcribed', 'answered', 'heard', 'delivered')),
        "session_id" uuid not null,
        "seq" integer not null default 0,
        "fact" jsonb not null,
        "received_at" timestamptz not null default now(),
        primary key ("turn_id", "kind")
      )`);
    await queryRunner.query(`create index "turn_facts_received_at_idx" on "session_store"."turn_facts" ("received_at")`);
    await queryRunner.query(`alter table "session_store"."messages" add column "timeline" jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`alter table "session_store"."messages" drop column "timeline"`);
    await queryRunner.query(`drop table "session_store"."turn_facts"`);
  }
}
