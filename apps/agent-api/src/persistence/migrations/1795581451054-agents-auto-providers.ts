import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `auto` providers: each pipeline service picks its provider from its own configuration. Allows
 * `llm_provider` `auto` and makes `auto` the column defaults (stt/tts take any name). Existing rows
 * keep the providers they name.
 */
export class AgentsAutoProviders1795581451054 implements MigrationInterface {
  readonly name = 'AgentsAutoProviders1795581451054';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('alter table "agent_api"."agents" drop constraint "agents_llm_provider_check"');
    await queryRunner.query(`
      alter table "agent_api"."agents"
        add constraint "agents_llm_provider_check" check ("llm_provider" in ('auto', 'openrouter', 'openai_compatible', 'n8n')),
        alter column "llm_provider" set default 'auto',
        alter column "stt_provider" set default 'auto',
        alter column "tts_provider" set default 'auto'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // `auto` agents go back to what `auto` replaced as the default, or the old check would refuse them.
    await queryRunner.query(`update "agent_api"."agents" set "llm_provider" = 'openrouter' where "llm_provider" = 'auto'`);
    await queryRunner.query('alter table "agent_api"."agents" drop constraint "agents_llm_provider_check"');
    await queryRunner.query(`
      alter table "agent_api"."agents"
        add constraint "agents_llm_provider_check" check ("llm_provider" in ('openrouter', 'openai_compatible', 'n8n')),
        alter column "llm_provider" set default 'openrouter',
        alter column "stt_provider" set default 'whisperx',
        alter column "tts_provider" set default 'chatterbox'`);
  }
}
