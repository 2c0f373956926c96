import type { SessionType } from '@voxbridge/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A row of `session_store.sessions` (DDL in the migrations; never synchronized). */
@Entity({ name: 'sessions' })
export class SessionEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'user_id', type: 'varchar' }) userId!: string;
  @Column({ name: 'user_name', type: 'varchar', nullable: true }) userName!: string | null;
  @Column({ type: 'varchar' }) title!: string;
  @Column({ name: 'agent_id', type: 'uuid' }) agentId!: string;
  @Column({ type: 'boolean' }) active!: boolean;
  @Column({ name: 'started_at', type: 'timestamptz' }) startedAt!: Date;
  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true }) endedAt!: Date | null;
  @Column({ name: 'session_type', type: 'varchar' }) sessionType!: SessionType;
  @Column({ name: 'session_metadata', type: 'jsonb' }) sessionMetadata!: Record<string, unknown>;
  @Column({ name: 'message_count', type: 'integer' }) messageCount!: number;
  /** The API key that created the session (agent-api's `api_keys.id`); null: admin keys only. */
  @Column({ name: 'created_by_key_id', type: 'uuid', nullable: true }) createdByKeyId!: string | null;
}
