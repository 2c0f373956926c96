import { Injectable } from '@nestjs/common';
import { Bus, decodeJson } from '@voxbridge/bus';
import { ControlEvent, mediaSubject, namespaced, ReplyEvent, VadEvent, type MediaStream, type TurnEvent } from '@voxbridge/contracts';
import { AppLogger } from '@voxbridge/platform';
import { SessionsMetrics, type BadInputReason } from './sessions.metrics';
import type { TurnOutput, TurnUpdate } from './turn-player';

/** What a session's subscriptions deliver: valid events of this session only. */
export interface SessionInput {
  onReply(event: ReplyEvent): void;
  onControl(event: ControlEvent): void;
  onVad(event: VadEvent): void;
}

export interface SessionSubscription {
  /** Unsubscribes every stream; nothing is delivered afterwards. */
  close(): void;
}

/**
 * The media plane of one session, for the sessions feature: `audio.out` frames and `turn` events
 * out, `reply`, `control` and `vad` in. Messages are decoded here and handed over synchronously (no
 * per-subscription queue, so a cancel is never stuck behind a turn); bad ones are dropped,
 * counted and logged once per session and reason.
 */
@Injectable()
export class SessionMedia {
  constructor(
    private readonly bus: Bus,
    private readonly metrics: SessionsMetrics,
    private readonly logger: AppLogger,
  ) {}

  output(sessionId: string): TurnOutput {
    const audioOut = mediaSubject(sessionId, 'audio.out');
    const turn = mediaSubject(sessionId, 'turn');
    return {
      publishFrame: (turnId, bytes, seq, timestampMs) => this.bus.publishFrame(audioOut, bytes, { seq, timestampMs, turnId }),
      publishTurn: (update: TurnUpdate) => {
        const event: TurnEvent = { session_id: sessionId, ...update };
        this.bus.publishJson(turn, event);
      },
    };
  }

  /** Subscribes `reply`, `control` and `vad`; resolves once the server has registered them. */
  async subscribe(sessionId: string, input: SessionInput): Promise<SessionSubscription> {
    const logged = new Set<string>();
    const subscriptions = [
      this.subscribeStream(sessionId, 'reply', ReplyEvent, (event) => input.onReply(event), logged),
      this.subscribeStream(sessionId, 'control', ControlEvent, (event) => input.onControl(event), logged),
      this.subscribeStream(sessionId, 'vad', VadEvent, (event) => input.onVad(event), logged),
    ];
    await this.bus.connection.flush();
    return {
      close: () => {
        for (const subscription of subscriptions) subscription.unsubscribe();
      },
    };
  }

  private subscribeStream<T extends { session_id: string }>(
    sessionId: string,
    stream: MediaStream,
    type: new () => T,
    deliver: (event: T) => void,
    logged: Set<string>,
  ): { unsubscribe(): void } {
    const drop = (reason: BadInputReason, problems: string[]) => {
      this.metrics.inputDropped(stream, reason);
      const key = `${stream}:${reason}`;
      if (logged.has(key)) return;
      logged.add(key);
      this.logger.warn('tts session message dropped (logged once per session and reason)', { session_id: sessionId, stream, reason, problems });
    };
    // Straight on the connection: the Bus's subscribeJson validates too, but neither counts the
    // drops nor lets a cancel overtake a handler that is still running.
    return this.bus.connection.subscribe(namespaced(this.bus.namespace, mediaSubject(sessionId, stream)), {
      callback: (error, msg) => {
        if (error) {
          this.logger.error('tts session subscription failed', { session_id: sessionId, stream, err: error });
          return;
        }
        const decoded = decodeJson(msg.data, type);
        if (!decoded.ok) return drop('invalid', decoded.problems);
        if (decoded.value.session_id !== sessionId) return drop('wrong_session', ['session_id does not match the subject']);
        try {
          deliver(decoded.value);
        } catch (failure) {
          this.logger.error('tts session handler failed', { session_id: sessionId, stream, err: failure });
        }
      },
    });
  }
}
