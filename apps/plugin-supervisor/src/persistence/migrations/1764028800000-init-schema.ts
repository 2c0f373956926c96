import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates the schema plugin-supervisor owns. Names are literal: a migration is history and must not follow later
 * renames. The runner creates the schema beforehand (its `migrations` table lives there), hence
 * `if not exists`. Reverting is refused while anything, that table included, is still in it.
 */
export class InitPluginSupervisorSchema1764028800000 implements MigrationInterface {
  readonly name = 'InitPluginSupervisorSchema1764028800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('create schema if not exists "plugin_supervisor"');
    await queryRunner.query(`comment on schema "plugin_supervisor" is 'owned by plugin-supervisor'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('drop schema "plugin_supervisor" restrict');
  }
}
