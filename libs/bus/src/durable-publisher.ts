import type { Subject } from '@voxbridge/contracts';
import type { Bus } from './bus';
import { BusNoRespondersError } from './errors';
import { errorFields, type BusLogger } from './logger';

export interface DurablePublisherOptions {
  /** The stream's domain and subjects: created as its consumer would, when a publish finds none. */
  domain: string;
  streamSubjects: readonly Subject[];
  /** How long a publish keeps trying through a NATS outage before it gives up. */
  retryForMs?: number;
  logger: BusLogger;
  /** A fact that could not be stored (counted by the caller's metrics). */
  onGiveUp?: (subject: Subject) => void;
}

const DEFAULT_RETRY_FOR_MS = 30_000;
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;

/**
 * Durable publishes that ride out a NATS outage: each is retried with backoff for `retryForMs`
 * (JetStream's duplicate window drops the copies of a publish whose ack was lost, by message id),
 * and a give-up is logged and counted, never silent.
 */
export class DurablePublisher {
  private readonly retryForMs: number;

  constructor(
    private readonly bus: Bus,
    private readonly options: DurablePublisherOptions,
  ) {
    this.retryForMs = options.retryForMs ?? DEFAULT_RETRY_FOR_MS;
  }

  /** True once stored; false after giving up. Never throws. */
  async publish(subject: Subject, value: object, msgId: string): Promise<boolean> {
    const deadline = Date.now() + this.retryForMs;
    let delayMs = FIRST_RETRY_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.bus.publishDurable(subject, value, { msgId });
        if (attempt > 1) this.options.logger.warn('durable publish stored after retries', { subject, msg_id: msgId, attempts: attempt });
        return true;
      } catch (error) {
        if (error instanceof BusNoRespondersError) {
          // No stream captures it yet (its consumer has not started), or JetStream is restarting.
          await this.bus.ensureStream(this.options.domain, [...this.options.streamSubjects]).catch(() => undefined);
        }
        if (Date.now() + delayMs > deadline) {
          this.options.logger.error('durable publish given up; the fact is lost', { subject, msg_id: msgId, attempts: attempt, ...errorFields(error) });
          this.options.onGiveUp?.(subject);
          return false;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, MAX_RETRY_MS);
    }
  }
}
