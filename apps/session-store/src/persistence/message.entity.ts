import type { MessageError, MessageRole, TimelineMarks } from '@voxbridge/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A row of `session_store.messages` (DDL in the migrations; never synchronized). */
@Entity({ name: 'messages' })
export class MessageEntity {
  @PrimaryColumn('uuid') id!: string;
  /** Write order; bigint comes back from pg as a string. */
  @Column({ type: 'bigint', insert: false, update: false }) seq!: string;
  @Column({ name: 'session_id', type: 'uuid' }) sessionId!: string;
  @Column({ name: 'turn_id', type: 'uuid', nullable: true }) turnId!: string | null;
  @Column({ type: 'varchar' }) role!: MessageRole;
  @Column({ type: 'text' }) content!: string;
  @Column({ type: 'varchar', nullable: true }) speaker!: string | null;
  /** User messages with several people in the session: whose words (the frames' speaker id), and their display name. */
  @Column({ name: 'speaker_id', type: 'varchar', nullable: true }) speakerId!: string | null;
  @Column({ name: 'speaker_name', type: 'varchar', nullable: true }) speakerName!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'stt_latency_ms', type: 'integer', nullable: true }) sttLatencyMs!: number | null;
  @Column({ name: 'llm_ttft_ms', type: 'integer', nullable: true }) llmTtftMs!: number | null;
  @Column({ name: 'tts_ttfb_ms', type: 'integer', nullable: true }) ttsTtfbMs!: number | null;
  @Column({ name: 'total_latency_ms', type: 'integer', nullable: true }) totalLatencyMs!: number | null;
  @Column({ name: 'overhead_ms', type: 'integer', nullable: true }) overheadMs!: number | null;
  @Column({ type: 'boolean' }) interrupted!: boolean;
  @Column({ type: 'varchar', nullable: true }) provider!: string | null;
  @Column({ type: 'varchar', nullable: true }) model!: string | null;
  /** A voice turn's timeline marks (epoch ms), on its assistant message. */
  @Column({ type: 'jsonb', nullable: true }) timeline!: TimelineMarks | null;
  /** A failed turn's assistant message: what went wrong (`content` is what was said instead). */
  @Column({ type: 'jsonb', nullable: true }) error!: MessageError | null;
}
