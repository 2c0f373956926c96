import { Injectable } from '@nestjs/common';
import { Bus, BusNoRespondersError } from '@voxbridge/bus';
import { mediaSubject, SESSIONS_STREAM_SUBJECTS, SessionSubjects, type ControlEvent, type ReplyEvent, type TurnCommittedEvent, type TurnEvent } from '@voxbridge/contracts';
import { AppLogger } from '@voxbridge/platform';

export type ReplyFields = Omit<ReplyEvent, 'session_id' | 'turn_id' | 'seq' | 'kind'>;

/** Publishes one turn's `reply` events with `seq` counting from 0. */
export interface ReplyWriter {
  emit(kind: ReplyEvent['kind'], fields?: ReplyFields): void;
}

/** Everything llm-router says on the bus about a turn: replies, turn states, cancels, the durable commit. */
@Injectable()
export class TurnOutput {
  private readonly logger: AppLogger;

  constructor(
    private readonly bus: Bus,
    logger: AppLogger,
  ) {
    this.logger = logger.child({ component: 'turn-output' });
  }

  replies(sessionId: string, turnId: string): ReplyWriter {
    const subject = mediaSubject(sessionId, 'reply');
    let seq = 0;
    return {
      emit: (kind, fields = {}) => {
        const event: ReplyEvent = { session_id: sessionId, turn_id: turnId, kind, seq: seq++, ...fields };
        this.bus.publishJson(subject, event);
      },
    };
  }

  state(sessionId: string, turnId: string, state: TurnEvent['state']): void {
    const event: TurnEvent = { session_id: sessionId, turn_id: turnId, state };
    this.bus.publishJson(mediaSubject(sessionId, 'turn'), event);
  }

  cancel(sessionId: string, turnId: string, reason: string): void {
    const event: ControlEvent = { session_id: sessionId, action: 'cancel', turn_id: turnId, reason, at_ms: Date.now() };
    this.bus.publishJson(mediaSubject(sessionId, 'control'), event);
  }

  /** Durable, idempotent per turn id. Never throws: a commit that cannot be stored is logged. */
  async commit(event: TurnCommittedEvent): Promise<boolean> {
    const ids = { session_id: event.session_id, turn_id: event.turn_id };
    try {
      await this.publish(event);
      return true;
    } catch (error) {
      this.logger.error('turn commit failed; the turn is not stored', { ...ids, err: error });
      return false;
    }
  }

  private async publish(event: TurnCommittedEvent): Promise<void> {
    try {
      await this.bus.publishDurable(SessionSubjects.turnCommitted, event, { msgId: event.turn_id });
    } catch (error) {
      if (!(error instanceof BusNoRespondersError)) throw error;
      // No stream yet (session-store not started): create it as session-store would, so the turn waits there.
      this.logger.warn('sessions stream missing; creating it for the commit', { session_id: event.session_id, turn_id: event.turn_id });
      await this.bus.ensureStream('sessions', [...SESSIONS_STREAM_SUBJECTS]);
      await this.bus.publishDurable(SessionSubjects.turnCommitted, event, { msgId: event.turn_id });
    }
  }
}
