import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Server-side search of conversations (`GET /api/sessions?q=`): GIN indexes on the 'simple'
 * text-search vectors of session titles and message text ('simple': no stemming, no stop words,
 * so every language is searched the same). The list query uses exactly these expressions.
 */
export class ConversationSearch1796900000000 implements MigrationInterface {
  readonly name = 'ConversationSearch1796900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`create index "messages_content_fts_idx" on "session_store"."messages" using gin (to_tsvector('simple', "content"))`);
    await queryRunner.query(`create index "sessions_title_fts_idx" on "session_store"."sessions" using gin (to_tsvector('simple', "title"))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`drop index "session_store"."sessions_title_fts_idx"`);
    await queryRunner.query(`drop index "session_store"."messages_content_fts_idx"`);
  }
}
