import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ApiKeyRole } from './principal';

/** A row of `agent_api.api_keys`. Never leaves the auth feature: callers get `ApiKeyMetadata`. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'text' })
  role!: ApiKeyRole;

  @Column({ name: 'key_hash', type: 'char', length: 64 })
  keyHash!: string;

  @Column({ type: 'char', length: 8 })
  prefix!: string;

  /** Requests per second for this key (may be a fraction); null: the fleet's RATE_LIMIT_PER_SECOND. */
  @Column({ name: 'rate_limit_per_second', type: 'double precision', nullable: true })
  rateLimitPerSecond!: number | null;

  /** Burst for this key; null: the fleet's RATE_LIMIT_BURST. */
  @Column({ name: 'rate_limit_burst', type: 'integer', nullable: true })
  rateLimitBurst!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
