import { Injectable } from '@nestjs/common';
import type { DeadLetter } from '@voxbridge/bus';
import { MetricsService } from '@voxbridge/platform';
import { Counter } from 'prom-client';

/** Durable messages this service gave up on and moved to the dead-letter stream, on /metrics. */
@Injectable()
export class DeadLettersMetrics {
  private readonly deadLetters: Counter<'consumer' | 'reason'>;

  constructor(metrics: MetricsService) {
    this.deadLetters = new Counter({
      name: 'session_store_dead_letters_total',
      help: 'Durable messages moved to the dead-letter stream, by consumer and reason (invalid, permanent, max_deliveries)',
      labelNames: ['consumer', 'reason'],
      registers: [metrics.registry],
    });
  }

  count(letter: DeadLetter): void {
    this.deadLetters.inc({ consumer: letter.consumer, reason: letter.reason });
  }
}
