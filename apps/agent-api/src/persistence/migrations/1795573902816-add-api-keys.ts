import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys: only the sha256 of each key is stored (see auth/api-key-format.ts). The unique hash
 * makes the bootstrap insert idempotent even without its advisory lock.
 */
export class AddApiKeys1795573902816 implements MigrationInterface {
  readonly name = 'AddApiKeys1795573902816';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      create table "agent_api"."api_keys" (
        "id" uuid primary key default gen_random_uuid(),
        "name" varchar(100) not null check (char_length("name") between 1 and 100),
        "role" text not null check ("role" in ('admin', 'client')),
        "key_hash" char(64) not null,
        "prefix" char(8) not null,
        "created_at" timestamptz not null default now(),
        "last_used_at" timestamptz,
        "revoked_at" timestamptz,
        constraint "api_keys_key_hash_unique" unique ("key_hash")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('drop table "agent_api"."api_keys"');
  }
}
