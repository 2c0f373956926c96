import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sessions and their messages. Names and the lists in the checks are literal: a migration is
 * history. `started_at` has millisecond precision so the list cursor (started_at, id) round-trips
 * through a JS Date exactly. `message_count` is kept by the writers in the same transaction as the insert, so a
 * listing reads it instead of counting (inventory §10 #19). No foreign key to agents: they live in
 * agent_api, and the `agent deleted` event removes a deleted agent's sessions.
 */
export class SessionsAndMessages1764115200000 implements MigrationInterface {
  readonly name = 'SessionsAndMessages1764115200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      create table "session_store"."sessions" (
        "id" uuid primary key default gen_random_uuid(),
        "user_id" varchar(100) not null,
        "user_name" varchar(100),
        "title" varchar(200) not null default 'New Conversation',
        "agent_id" uuid not null,
        "active" boolean not null default true,
        "started_at" timestamptz(3) not null default now(),
        "ended_at" timestamptz(3),
        "session_type" varchar(20) not null default 'web'
          constraint "sessions_session_type_check" check ("session_type" in ('web', 'webrtc', 'discord', 'api', 'extension')),
        "session_metadata" jsonb not null default '{}'::jsonb,
        "message_count" integer not null default 0 constraint "sessions_message_count_check" check ("message_count" >= 0)
      )`);
    // Every list filter, each followed by the cursor order (started_at desc, id desc).
    await queryRunner.query(`create index "sessions_started_at_id_idx" on "session_store"."sessions" ("started_at" desc, "id" desc)`);
    await queryRunner.query(
      `create index "sessions_user_id_started_at_idx" on "session_store"."sessions" ("user_id", "started_at" desc, "id" desc)`,
    );
    await queryRunner.query(
      `create index "sessions_agent_id_started_at_idx" on "session_store"."sessions" ("agent_id", "started_at" desc, "id" desc)`,
    );
    await queryRunner.query(
      `create index "sessions_active_started_at_idx" on "session_store"."sessions" ("active", "started_at" desc, "id" desc)`,
    );

    await queryRunner.query(`
      create table "session_store"."messages" (
        "id" uuid primary key default gen_random_uuid(),
        "seq" bigint generated always as identity,
        "session_id" uuid not null
          constraint "messages_session_id_fkey" references "session_store"."sessions" ("id") on delete cascade,
        "turn_id" uuid,
        "role" varchar(20) not null constraint "messages_role_check" check ("role" in ('user', 'assistant', 'system')),
        "content" text not null,
        "speaker" varchar(100),
        "created_at" timestamptz not null default now(),
        "stt_latency_ms" integer,
        "llm_ttft_ms" integer,
        "tts_ttfb_ms" integer,
        "total_latency_ms" integer,
        "overhead_ms" integer,
        "interrupted" boolean not null default false,
        "provider" varchar(100),
        "model" varchar(200),
        constraint "messages_turn_id_role_key" unique ("turn_id", "role")
      )`);
    // Messages of a session in write order (listing, history); seq is unique, so order is stable.
    await queryRunner.query(`create index "messages_session_id_seq_idx" on "session_store"."messages" ("session_id", "seq")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('drop table "session_store"."messages"');
    await queryRunner.query('drop table "session_store"."sessions"');
  }
}
