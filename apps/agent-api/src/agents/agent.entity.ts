import type { AgentDeadlines } from '@voxbridge/contracts';
import type { PluginsConfig } from '@voxbridge/plugin-sdk';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** `auto`: llm-router decides from its own configuration (OpenRouter with a key, else Ollama). */
export const LLM_PROVIDERS = ['auto', 'openrouter', 'openai_compatible', 'n8n'] as const;
export type LlmProvider = (typeof LLM_PROVIDERS)[number];
/** Fallback steps name their provider: `auto` would only repeat the primary. */
export const FALLBACK_PROVIDERS = ['openrouter', 'openai_compatible'] as const;
export type FallbackProvider = (typeof FALLBACK_PROVIDERS)[number];

export interface FallbackStep {
  provider: FallbackProvider;
  model: string;
  base_url?: string;
}

const float = { type: 'double precision' } as const;

/**
 * A row of `agent_api.agents`. Property names are the column names and the API's JSON names, so
 * the three never drift apart. `plugins` holds secret fields as ciphertext (see secrets/).
 */
@Entity({ name: 'agents' })
export class AgentEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar' }) name!: string;
  @Column({ type: 'varchar', nullable: true }) description!: string | null;
  @Column({ type: 'text' }) system_prompt!: string;
  @Column(float) temperature!: number;
  @Column({ type: 'varchar' }) llm_provider!: LlmProvider;
  @Column({ type: 'varchar' }) llm_model!: string;
  @Column({ type: 'varchar', nullable: true }) llm_base_url!: string | null;
  @Column({ type: 'varchar', nullable: true }) n8n_webhook_url!: string | null;
  @Column({ type: 'jsonb' }) fallback!: FallbackStep[];
  @Column({ type: 'boolean' }) is_default!: boolean;
  @Column({ type: 'varchar' }) stt_provider!: string;
  @Column({ type: 'varchar', nullable: true }) stt_language!: string | null;
  @Column({ type: 'integer' }) silence_ms!: number;
  @Column({ type: 'integer' }) max_utterance_ms!: number;
  @Column({ type: 'varchar' }) tts_provider!: string;
  @Column({ type: 'varchar', nullable: true }) tts_voice!: string | null;
  @Column(float) tts_exaggeration!: number;
  @Column(float) tts_cfg_weight!: number;
  @Column(float) tts_temperature!: number;
  @Column({ type: 'varchar' }) tts_language!: string;
  @Column(float) tts_speed!: number;
  @Column({ type: 'boolean' }) filter_actions_for_tts!: boolean;
  @Column({ type: 'varchar' }) timezone!: string;
  /** Per-agent pipeline deadlines (ms); null, or a field left out: each service's default. */
  @Column({ type: 'jsonb', nullable: true }) deadlines!: AgentDeadlines | null;
  @Column({ type: 'jsonb' }) plugins!: PluginsConfig;
  @CreateDateColumn({ type: 'timestamptz' }) created_at!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updated_at!: Date;
}
