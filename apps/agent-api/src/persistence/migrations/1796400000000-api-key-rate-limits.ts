import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A key may have its own rate limit (requests per second, burst); null keeps the fleet's. */
export class ApiKeyRateLimits1796400000000 implements MigrationInterface {
  readonly name = 'ApiKeyRateLimits1796400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      alter table "agent_api"."api_keys"
        add column "rate_limit_per_second" double precision check ("rate_limit_per_second" > 0),
        add column "rate_limit_burst" integer check ("rate_limit_burst" >= 1)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('alter table "agent_api"."api_keys" drop column "rate_limit_per_second", drop column "rate_limit_burst"');
  }
}
