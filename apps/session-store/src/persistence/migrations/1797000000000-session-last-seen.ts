import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Abandoned voice sessions end: `last_seen_at` is when session-store last saw the session alive
 * (a pipeline lease held by a gateway, or a reactivation). With its messages and `started_at`, it
 * tells how long a voice session has been gone (see README "Abandoned sessions"). Null: never seen.
 */
export class SessionLastSeen1797000000000 implements MigrationInterface {
  readonly name = 'SessionLastSeen1797000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`alter table "session_store"."sessions" add column "last_seen_at" timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`alter table "session_store"."sessions" drop column "last_seen_at"`);
  }
}
