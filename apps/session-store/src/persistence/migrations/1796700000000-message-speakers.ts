import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Conversations with several people (a Discord voice channel): a user message names whose words
 * it holds — the speaker id from the gateway's frames and the display name at the time. Existing
 * rows and single-speaker sessions stay null. Lengths match the media contract (64 / 100).
 */
export class MessageSpeakers1796700000000 implements MigrationInterface {
  readonly name = 'MessageSpeakers1796700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`alter table "session_store"."messages" add column "speaker_id" varchar(64), add column "speaker_name" varchar(100)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`alter table "session_store"."messages" drop column "speaker_name", drop column "speaker_id"`);
  }
}
