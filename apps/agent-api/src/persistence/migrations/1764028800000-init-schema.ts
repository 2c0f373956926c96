import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates the schema agent-api owns. Names are literal: a migration is history and must not follow later
 * renames. The runner creates the schema beforehand (its `migrations` table lives there), hence
 * `if not exists`. Reverting is refused while anything, that table included, is still in it.
 */
export class InitAgentApiSchema1764028800000 implements MigrationInterface {
  readonly name = 'InitAgentApiSchema1764028800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('create schema if not exists "agent_api"');
    await queryRunner.query(`comment on schema "agent_api" is 'owned by agent-api'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('drop schema "agent_api" restrict');
  }
}
