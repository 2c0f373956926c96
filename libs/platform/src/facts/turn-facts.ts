import { Injectable } from '@nestjs/common';
import { Bus, DurablePublisher } from '@voxbridge/bus';
import {
  SESSIONS_STREAM_SUBJECTS,
  TurnFactSubjects,
  type Subject,
  type TurnAnsweredFact,
  type TurnDeliveredFact,
  type TurnHeardFact,
  type TurnTranscribedFact,
} from '@voxbridge/contracts';
import { Counter } from 'prom-client';
import { MetricsService } from '../health/metrics.service';
import { AppLogger } from '../logging/app-logger';

/**
 * Publishes a stage's facts about a voice turn durably (contracts `turn-facts.ts`): retried through
 * NATS outages, deduplicated by message id, a give-up logged and counted in
 * `turn_facts_lost_total{fact}`. Each method resolves true once stored; none throws.
 */
@Injectable()
export class TurnFacts {
  private readonly publisher: DurablePublisher;
  private readonly lost: Counter<'fact'>;
  private readonly names = new Map<Subject, string>(Object.entries(TurnFactSubjects).map(([name, subject]) => [subject, name]));

  constructor(bus: Bus, metrics: MetricsService, logger: AppLogger) {
    this.lost = new Counter({
      name: 'turn_facts_lost_total',
      help: 'Turn facts given up after retrying through a NATS outage, by fact',
      labelNames: ['fact'],
      registers: [metrics.registry],
    });
    this.publisher = new DurablePublisher(bus, {
      domain: 'sessions',
      streamSubjects: SESSIONS_STREAM_SUBJECTS,
      logger: logger.child({ component: 'turn-facts' }),
      onGiveUp: (subject) => this.lost.inc({ fact: this.names.get(subject) ?? 'unknown' }),
    });
  }

  transcribed(fact: TurnTranscribedFact): Promise<boolean> {
    return this.publisher.publish(TurnFactSubjects.transcribed, fact, `${fact.turn_id}:transcribed`);
  }

  answered(fact: TurnAnsweredFact): Promise<boolean> {
    return this.publisher.publish(TurnFactSubjects.answered, fact, `${fact.turn_id}:answered`);
  }

  heard(fact: TurnHeardFact): Promise<boolean> {
    return this.publisher.publish(TurnFactSubjects.heard, fact, `${fact.turn_id}:heard:${fact.seq}`);
  }

  delivered(fact: TurnDeliveredFact): Promise<boolean> {
    return this.publisher.publish(TurnFactSubjects.delivered, fact, `${fact.turn_id}:delivered`);
  }
}
