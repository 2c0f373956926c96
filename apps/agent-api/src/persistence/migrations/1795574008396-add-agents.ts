import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agents and the seed marker. The checks repeat the API's ranges so no other writer (an import, a
 * hand-written UPDATE) can store what the API would refuse. At most one default agent is the partial
 * unique index's job; names are unique regardless of case.
 */
export class AddAgents1795574008396 implements MigrationInterface {
  readonly name = 'AddAgents1795574008396';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      create table "agent_api"."agents" (
        "id" uuid primary key default gen_random_uuid(),
        "name" varchar(100) not null check (char_length("name") between 1 and 100),
        "description" varchar(1000),
        "system_prompt" text not null check (char_length("system_prompt") between 1 and 10000),
        "temperature" double precision not null default 0.7 check ("temperature" between 0 and 2),
        "llm_provider" varchar(32) not null default 'openrouter'
          check ("llm_provider" in ('openrouter', 'openai_compatible', 'n8n')),
        "llm_model" varchar(200) not null,
        "llm_base_url" varchar(500),
        "n8n_webhook_url" varchar(500),
        "fallback" jsonb not null default '[]'
          check (jsonb_typeof("fallback") = 'array' and jsonb_array_length("fallback") <= 5),
        "is_default" boolean not null default false,
        "stt_provider" varchar(50) not null default 'whisperx',
        "stt_language" varchar(35),
        "silence_ms" integer not null default 600 check ("silence_ms" between 100 and 5000),
        "max_utterance_ms" integer not null default 45000 check ("max_utterance_ms" between 5000 and 300000),
        "tts_provider" varchar(50) not null default 'chatterbox',
        "tts_voice" varchar(100),
        "tts_exaggeration" double precision not null default 1.0 check ("tts_exaggeration" between 0.25 and 2),
        "tts_cfg_weight" double precision not null default 0.7 check ("tts_cfg_weight" between 0 and 1),
        "tts_temperature" double precision not null default 0.3 check ("tts_temperature" between 0.05 and 5),
        "tts_language" varchar(35) not null default 'en',
        "tts_speed" double precision not null default 1.0 check ("tts_speed" between 0.5 and 2),
        "filter_actions_for_tts" boolean not null default false,
        "timezone" varchar(64) not null default 'UTC',
        "plugins" jsonb not null default '{}' check (jsonb_typeof("plugins") = 'object'),
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now(),
        constraint "agents_n8n_needs_webhook" check ("llm_provider" <> 'n8n' or "n8n_webhook_url" is not null),
        constraint "agents_openai_compatible_needs_base_url"
          check ("llm_provider" <> 'openai_compatible' or "llm_base_url" is not null)
      )`);
    await queryRunner.query('create unique index "agents_name_unique" on "agent_api"."agents" (lower("name"))');
    await queryRunner.query('create unique index "agents_one_default" on "agent_api"."agents" ("is_default") where "is_default"');
    await queryRunner.query(`
      create table "agent_api"."seed_runs" (
        "name" varchar(100) primary key,
        "ran_at" timestamptz not null default now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('drop table "agent_api"."seed_runs"');
    await queryRunner.query('drop table "agent_api"."agents"');
  }
}
