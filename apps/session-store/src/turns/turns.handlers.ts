import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, type DurableConsumer } from '@voxbridge/bus';
import { SESSIONS_STREAM_SUBJECTS, SessionSubjects, TurnCommittedEvent, type TurnRecordedEvent } from '@voxbridge/contracts';
import { SessionStoreEnv } from '../config/session-store.env';
import { DeadLetterPolicy } from '../dead-letters/dead-letters.policy';
import { TurnsService } from './turns.service';

export const TURNS_DURABLE = 'session-store-turns';

/**
 * Bus edge of the turns feature: the durable consumer of committed turns (ack after the write
 * commits; a failed write is nak'ed and redelivered, a turn Postgres refuses or one that keeps
 * failing goes to the dead-letter stream) and the live `turnRecorded` event.
 */
@Injectable()
export class TurnsHandlers implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer: DurableConsumer | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly turns: TurnsService,
    private readonly config: SessionStoreEnv,
    private readonly deadLetters: DeadLetterPolicy,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.ensureStream('sessions', [...SESSIONS_STREAM_SUBJECTS]);
    this.consumer = await this.bus.consumeDurable(
      'sessions',
      TURNS_DURABLE,
      SessionSubjects.turnCommitted,
      TurnCommittedEvent,
      (turn, meta) => this.handle(turn, meta.redelivered),
      { concurrency: this.config.TURN_WRITE_CONCURRENCY, ...this.deadLetters.options() },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = undefined;
  }

  private async handle(turn: TurnCommittedEvent, redelivered: boolean): Promise<void> {
    const result = await this.turns.record(turn);
    if (result.outcome === 'unknown_session') return;
    // A redelivery may follow a crash between commit and publish, so it announces the turn again.
    if (result.outcome === 'written' || redelivered) {
      const event: TurnRecordedEvent = { session_id: turn.session_id, agent_id: turn.agent_id, turn_id: turn.turn_id, messages: result.messages };
      this.bus.publishJson(SessionSubjects.turnRecorded, event);
    }
  }
}
