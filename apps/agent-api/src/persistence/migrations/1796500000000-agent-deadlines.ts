import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-agent pipeline deadlines (LLM first token and gaps, STT final, TTS first audio and gaps); null keeps the services' defaults. */
export class AgentDeadlines1796500000000 implements MigrationInterface {
  readonly name = 'AgentDeadlines1796500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`alter table "agent_api"."agents" add column "deadlines" jsonb check ("deadlines" is null or jsonb_typeof("deadlines") = 'object')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('alter table "agent_api"."agents" drop column "deadlines"');
  }
}
