import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates the schema llm-router owns. Names are literal: a migration is history and must not follow later
 * renames. The runner creates the schema beforehand (its `migrations` table lives there), hence
 * `if not exists`. Reverting is refused while anything, that table included, is still in it.
 */
export class InitLlmRouterSchema1764028800000 implements MigrationInterface {
  readonly name = 'InitLlmRouterSchema1764028800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('create schema if not exists "llm_router"');
    await queryRunner.query(`comment on schema "llm_router" is 'owned by llm-router'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('drop schema "llm_router" restrict');
  }
}
