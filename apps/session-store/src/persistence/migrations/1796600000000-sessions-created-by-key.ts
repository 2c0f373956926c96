import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which API key created each session, so that a `client` key sees only its own (agent-api decides
 * who may see what; session-store keeps the fact). Existing rows stay null: admin keys only. No
 * foreign key: the keys live in agent-api's schema, and a revoked key's sessions stay.
 */
export class SessionsCreatedByKey1796600000000 implements MigrationInterface {
  readonly name = 'SessionsCreatedByKey1796600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`alter table "session_store"."sessions" add column "created_by_key_id" uuid`);
    await queryRunner.query(
      `create index "sessions_created_by_key_started_idx" on "session_store"."sessions" ("created_by_key_id", "started_at" desc, "id" desc)
       where "created_by_key_id" is not null`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`drop index "session_store"."sessions_created_by_key_started_idx"`);
    await queryRunner.query(`alter table "session_store"."sessions" drop column "created_by_key_id"`);
  }
}
