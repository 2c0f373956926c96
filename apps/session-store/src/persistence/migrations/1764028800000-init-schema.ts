import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates the schema session-store owns. Names are literal: a migration is history and must not follow later
 * renames. The runner creates the schema beforehand (its `migrations` table lives there), hence
 * `if not exists`. Reverting is refused while anything, that table included, is still in it.
 */
export class InitSessionStoreSchema1764028800000 implements MigrationInterface {
  readonly name = 'InitSessionStoreSchema1764028800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('create schema if not exists "session_store"');
    await queryRunner.query(`comment on schema "session_store" is 'owned by session-store'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('drop schema "session_store" restrict');
  }
}
