import { Injectable } from '@nestjs/common';
import type { ConsumeDurableOptions } from '@voxbridge/bus';
import { SessionStoreEnv } from '../config/session-store.env';
import { isRefusedByDatabase } from '../persistence/database-errors';
import { DeadLettersMetrics } from './dead-letters.metrics';

/**
 * When session-store's durable consumers give up on a message: at once when Postgres refuses its
 * data (redelivering it would fail forever and hold the consumer's ack floor), after
 * `DURABLE_MAX_DELIVERIES` deliveries otherwise. Either way it is counted on /metrics.
 */
@Injectable()
export class DeadLetterPolicy {
  constructor(
    private readonly metrics: DeadLettersMetrics,
    private readonly config: SessionStoreEnv,
  ) {}

  options(): Pick<ConsumeDurableOptions, 'maxDeliver' | 'isPermanent' | 'onDeadLetter'> {
    return {
      maxDeliver: this.config.DURABLE_MAX_DELIVERIES,
      isPermanent: isRefusedByDatabase,
      onDeadLetter: (letter) => this.metrics.count(letter),
    };
  }
}
