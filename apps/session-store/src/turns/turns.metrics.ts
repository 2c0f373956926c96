import { Injectable } from '@nestjs/common';
import { MetricsService } from '@voxbridge/platform';
import { Counter, Histogram } from 'prom-client';

export type TurnOutcome = 'written' | 'duplicate' | 'unknown_session';

/** Turn writes on /metrics: how many were new, duplicates skipped, for unknown sessions; how long a write took. */
@Injectable()
export class TurnsMetrics {
  private readonly turns: Counter<'outcome'>;
  private readonly writeMs: Histogram;

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
  }

  record(outcome: TurnOutcome, writeMs: number): void {
    this.turns.inc({ outcome });
    this.writeMs.observe(writeMs);
  }
}
