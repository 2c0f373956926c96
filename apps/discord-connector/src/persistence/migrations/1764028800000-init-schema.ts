import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates the schema discord-connector owns. Names are literal: a migration is history and must not follow later
 * renames. The runner creates the schema beforehand (its `migrations` table lives there), hence
 * `if not exists`. Reverting is refused while anything, that table included, is still in it.
 */
export class InitDiscordConnectorSchema1764028800000 implements MigrationInterface {
  readonly name = 'InitDiscordConnectorSchema1764028800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('create schema if not exists "discord_connector"');
    await queryRunner.query(`comment on schema "discord_connector" is 'owned by discord-connector'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('drop schema "discord_connector" restrict');
  }
}
