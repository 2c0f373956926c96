import { Injectable } from '@nestjs/common';
import { Bus, BusNoRespondersError, BusTimeoutError } from '@voxbridge/bus';
import {
  ChatContracts,
  ErrorCode,
  mediaSubject,
  ReplyEvent,
  TEXT_TURN_LIVENESS,
  type ControlEvent,
  type RequestContract,
  type TextTurnRequest,
} from '@voxbridge/contracts';
import { AppLogger } from '@voxbridge/platform';
import { randomUUID } from 'node:crypto';
import { ChatLiveness, type LivenessVerdict } from './chat-liveness';
import { ChatTurn } from './chat-turn';
import { chatUpstreamError, type ChatUpstream } from './chat.errors';

/**
 * Longest a text turn may run, request to last event; then the client gets an `error` event with
 * code `timeout` and llm-router a cancel. A module constant: `CHAT_TIMEOUT_MS` belongs in
 * AgentApiEnv, which this feature may not change yet.
 */
export const CHAT_TIMEOUT_MS = 60_000;

/** A text turn in flight: its events in order, and a way to stop it. */
export interface RunningChat {
  readonly turnId: string;
  readonly events: ChatTurn;
  /** Stops the turn: llm-router is told (`control` cancel) and no more events are read. No effect once ended. */
  cancel(reason: string): void;
}

/**
 * Text turns for integrators: the same path as a voice turn, without audio. agent-api asks
 * llm-router to run the turn (`ChatContracts.textTurn`) and reads the answer from the session's
 * `reply` stream, subscribed before asking so no event can be missed. While the turn runs, the
 * replica that took it is asked whether it still runs it (`ChatContracts.textTurnAlive`): when it
 * is gone or unreachable the stream ends with an error naming llm-router within about a second,
 * not after CHAT_TIMEOUT_MS of keep-alives.
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
    const session = await this.call('session-store', ChatContracts.session, { id: sessionId });
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
    let instanceId: string | undefined;
    try {
      ({ instance_id: instanceId } = await this.call('llm-router', ChatContracts.textTurn, request));
    } catch (error) {
      turn.abandon();
      throw error;
    }
    if (instanceId) this.watch(turn, session.id, instanceId);
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

  /** Ends the turn with an error naming llm-router when the replica running it stops answering for it. */
  private watch(turn: ChatTurn, sessionId: string, instanceId: string): void {
    const liveness = new ChatLiveness({
      ...TEXT_TURN_LIVENESS,
      probe: () => this.probe(instanceId, turn.turnId),
      onLost: (reason) => {
        if (turn.finished) return;
        this.logger.warn('text turn lost: llm-router stopped answering for it', { session_id: sessionId, turn_id: turn.turnId, instance_id: instanceId, reason });
        // Should the replica be alive behind a NATS outage, the cancel stops it once NATS is back.
        this.publishCancel(sessionId, turn.turnId, 'llm_router_lost');
        turn.fail(ErrorCode.Unavailable, `llm-router ${reason}; the answer is cut short, please try again`);
      },
    });
    turn.onEnd(() => liveness.stop());
    liveness.start();
  }

  private async probe(instanceId: string, turnId: string): Promise<LivenessVerdict> {
    const replica = `replica ${instanceId.slice(0, 8)}`;
    try {
      const reply = await this.bus.call(ChatContracts.textTurnAlive(instanceId), { turn_id: turnId });
      return reply.running ? { alive: true } : { alive: false, reason: `(${replica}) no longer runs this turn and its last events never arrived` };
    } catch (error) {
      if (error instanceof BusNoRespondersError) return { alive: false, reason: `(${replica}) is gone: it stopped during the turn` };
      if (error instanceof BusTimeoutError) return { alive: false, reason: `(${replica}) does not answer: llm-router or NATS is unreachable` };
      return { alive: false, reason: `(${replica}) could not be reached (${error instanceof Error ? error.message : String(error)})` };
    }
  }

  private async call<Req extends object, Res extends object>(upstream: ChatUpstream, contract: RequestContract<Req, Res>, body: Req): Promise<Res> {
    try {
      return await this.bus.call(contract, body);
    } catch (error) {
      throw chatUpstreamError(upstream, error);
    }
  }
}
