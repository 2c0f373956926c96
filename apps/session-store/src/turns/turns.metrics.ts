import { Injectable } from '@nestjs/common';
import { MetricsService } from '@voxbridge/platform';
import { Counter, Histogram } from 'prom-client';

export type TurnOutcome = 'written' | 'duplicate' | 'unknown_session';
/** How a voice turn was assembled from its facts. */
export type AssemblyOutcome = 'complete' | 'cut_short' | 'failed' | 'no_user_text';

const LATENCY_BUCKETS_MS = [100, 200, 300, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 10_000];
const OVERHEAD_BUCKETS_MS = [1, 2, 5, 10, 20, 40, 60, 100, 200, 500, 1_000];

/** Turn writes on /metrics: how many were new, duplicates skipped, for unknown sessions; how long a write took. */
@Injectable()
export class TurnsMetrics {
  private readonly turns: Counter<'outcome'>;
  private readonly writeMs: Histogram;
  private readonly assemblies: Counter<'outcome'>;
  private readonly totalMs: Histogram;
  private readonly overheadMs: Histogram;

  constructor(metrics: MetricsService) {
    this.turns = new Counter({
      name: 'session_store_turns_total',
      help: 'Committed turns handled, by outcome: written, duplicate (already stored, skipped), unknown_session',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
    this.writeMs = new Histogram({
      name: 'session_store_turn_write_ms',
      help: 'Time to write one committed turn (transaction included), in milliseconds',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500],
      registers: [metrics.registry],
    });
    this.assemblies = new Counter({
      name: 'session_store_voice_turns_total',
      help: 'Voice turns assembled from their facts: complete, cut_short (a stage went quiet), failed (stored with the LLM or TTS error), or not stored (no_user_text)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
    this.totalMs = new Histogram({ name: 'turn_total_latency_ms', help: 'Last voiced sample → first frame sent to the user, ms (timeline)', buckets: LATENCY_BUCKETS_MS, registers: [metrics.registry] });
    this.overheadMs = new Histogram({ name: 'turn_overhead_ms', help: "Sum of the fleet's own timeline spans, ms (never negative)", buckets: OVERHEAD_BUCKETS_MS, registers: [metrics.registry] });
  }

  assembled(outcome: AssemblyOutcome): void {
    this.assemblies.inc({ outcome });
  }

  timeline(totalMs: number | undefined, overheadMs: number | undefined): void {
    if (totalMs !== undefined) this.totalMs.observe(totalMs);
    if (overheadMs !== undefined) this.overheadMs.observe(overheadMs);
  }

  record(outcome: TurnOutcome, writeMs: number): void {
    this.turns.inc({ outcome });
    this.writeMs.observe(writeMs);
  }
}
