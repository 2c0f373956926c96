import { Injectable } from '@nestjs/common';
import { Bus } from '@voxbridge/bus';
import {
  mediaSubject,
  ReplyEvent,
  SessionSubjects,
  VoiceSubjects,
  type ControlEvent,
  type SessionDto,
  type Subject,
  type TextTurnRequest,
} from '@voxbridge/contracts';
import { AppLogger } from '@voxbridge/platform';
import { randomUUID } from 'node:crypto';
import { ChatTurn } from './chat-turn';
import { chatUpstreamError, type ChatUpstream } from './chat.errors';

/**
 * Longest a text turn may run, request to last event; then the client gets an `error` event with
 * code `timeout` and llm-router a cancel. A module constant: `CHAT_TIMEOUT_MS` belongs in
 * AgentApiEnv, which this feature may not change yet.
 */
export const CHAT_TIMEOUT_MS = 60_000;
/** How long session-store and llm-router have to answer their request (llm-router only accepts the turn; the answer streams after). */
export const CHAT_UPSTREAM_TIMEOUT_MS = 2_000;

/** A text turn in flight: its events in order, and a way to stop it. */
export interface RunningChat {
  readonly turnId: string;
  readonly events: ChatTurn;
  /** Stops the turn: llm-router is told (`control` cancel) and no more events are read. No effect once ended. */
  cancel(reason: string): void;
}

/**
 * Text turns for integrators: the same path as a voice turn, without audio. agent-api asks
 * llm-router to run the turn (`llm.v1.turn.text`) and reads the answer from the session's `reply`
 * stream, subscribed before asking so no event can be missed.
 */
@Injectable()
export class ChatService {
  private readonly logger: AppLogger;

  constructor(
    private readonly bus: Bus,
    logger: AppLogger,
  ) {
    this.logger = logger.child({ component: 'chat' });
  }

  async start(sessionId: string, content: string): Promise<RunningChat> {
    const session = await this.request<SessionDto>('session-store', SessionSubjects.get, { id: sessionId });
    const turnId = randomUUID();
    const turn = new ChatTurn(turnId);
    const replies = this.bus.subscribeJson(mediaSubject(session.id, 'reply'), ReplyEvent, (event) => turn.accept(event));
    const timer = setTimeout(() => {
      if (turn.finished) return;
      this.publishCancel(session.id, turnId, 'timeout');
      turn.fail('timeout', `no complete answer within ${CHAT_TIMEOUT_MS} ms`);
    }, CHAT_TIMEOUT_MS);
    turn.onEnd(() => {
      clearTimeout(timer);
      replies.unsubscribe();
    });

    const request: TextTurnRequest = { session_id: session.id, agent_id: session.agent_id, turn_id: turnId, content };
    try {
      await this.request<object>('llm-router', VoiceSubjects.textTurn, request);
    } catch (error) {
      turn.abandon();
      throw error;
    }
    this.logger.debug('text turn started', { session_id: session.id, agent_id: session.agent_id, turn_id: turnId });
    return {
      turnId,
      events: turn,
      cancel: (reason) => {
        if (turn.finished) return;
        this.publishCancel(session.id, turnId, reason);
        turn.abandon();
      },
    };
  }

  private publishCancel(sessionId: string, turnId: string, reason: string): void {
    const cancel: ControlEvent = { session_id: sessionId, action: 'cancel', turn_id: turnId, reason, at_ms: Date.now() };
    this.bus.publishJson(mediaSubject(sessionId, 'control'), cancel);
    this.logger.debug('text turn cancelled', { session_id: sessionId, turn_id: turnId, reason });
  }

  private async request<Res extends object>(upstream: ChatUpstream, subject: Subject, body: object): Promise<Res> {
    try {
      return await this.bus.requestJson<Res>(subject, body, { timeoutMs: CHAT_UPSTREAM_TIMEOUT_MS });
    } catch (error) {
      throw chatUpstreamError(upstream, error);
    }
  }
}
