import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, type DurableConsumer } from '@voxbridge/bus';
import {
  SESSIONS_STREAM_SUBJECTS,
  SessionSubjects,
  TurnAnsweredFact,
  TurnDeliveredFact,
  TurnFactSubjects,
  TurnHeardFact,
  TurnTranscribedFact,
  type Subject,
  type TurnRecordedEvent,
} from '@voxbridge/contracts';
import { AppLogger } from '@voxbridge/platform';
import { SessionStoreEnv } from '../config/session-store.env';
import { DeadLetterPolicy } from '../dead-letters/dead-letters.policy';
import type { TurnFactKind } from './turn-facts.repository';
import { TurnFactsService, type AssembledTurn } from './turn-facts.service';

/** How often quiet turns are looked for. */
const SWEEP_EVERY_MS = 1_000;

const CONSUMERS: Array<{ kind: TurnFactKind; subject: Subject; type: new () => object }> = [
  { kind: 'transcribed', subject: TurnFactSubjects.transcribed, type: TurnTranscribedFact },
  { kind: 'answered', subject: TurnFactSubjects.answered, type: TurnAnsweredFact },
  { kind: 'heard', subject: TurnFactSubjects.heard, type: TurnHeardFact },
  { kind: 'delivered', subject: TurnFactSubjects.delivered, type: TurnDeliveredFact },
];

/**
 * Bus edge of voice-turn assembly: a durable consumer per fact kind (ack once the fact is stored),
 * the sweep of quiet turns, and the live `turnRecorded` event of each turn written.
 */
@Injectable()
export class TurnFactsHandlers implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumers: DurableConsumer[] = [];
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private readonly logger: AppLogger;

  constructor(
    private readonly bus: Bus,
    private readonly facts: TurnFactsService,
    private readonly config: SessionStoreEnv,
    private readonly deadLetters: DeadLetterPolicy,
    logger: AppLogger,
  ) {
    this.logger = logger.child({ component: 'turn-facts' });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.ensureStream('sessions', [...SESSIONS_STREAM_SUBJECTS]);
    this.consumers = await Promise.all(
      CONSUMERS.map(({ kind, subject, type }) =>
        this.bus.consumeDurable(
          'sessions',
          `session-store-facts-${kind}`,
          subject,
          type,
          async (fact) => this.announce(await this.facts.received(kind, fact as TurnTranscribedFact)),
          { concurrency: this.config.TURN_WRITE_CONCURRENCY, ...this.deadLetters.options() },
        ),
      ),
    );
    this.sweeper = setInterval(() => this.sweep(), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweeper);
    await this.sweeping;
    await Promise.all(this.consumers.map((consumer) => consumer.stop()));
    this.consumers = [];
  }

  private sweep(): void {
    if (this.sweeping) return;
    this.sweeping = this.facts
      .sweep(this.config.TURN_ASSEMBLY_TIMEOUT_MS)
      .then((turns) => turns.forEach((turn) => this.announce(turn)))
      .catch((error: unknown) => this.logger.warn('quiet voice turns not swept; next sweep retries', { err: error }))
      .finally(() => (this.sweeping = undefined));
  }

  private announce(turn: AssembledTurn | null): void {
    if (!turn) return;
    const event: TurnRecordedEvent = { session_id: turn.sessionId, agent_id: turn.agentId, turn_id: turn.turnId, messages: turn.messages };
    this.bus.publishJson(SessionSubjects.turnRecorded, event);
  }
}
