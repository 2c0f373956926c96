import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Failed turns are kept: a turn whose LLM (or TTS) failed stores the user's words and an
 * assistant message whose `error` says which stage failed, whose provider, its code and message
 * (`content` holds what the user heard instead — the apology). Null for every other message.
 */
export class MessageErrors1796800000000 implements MigrationInterface {
  readonly name = 'MessageErrors1796800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`alter table "session_store"."messages" add column "error" jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`alter table "session_store"."messages" drop column "error"`);
  }
}
