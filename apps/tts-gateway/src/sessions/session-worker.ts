import type { ControlEvent, ReplyEvent } from '@voxbridge/contracts';
import type { AppLogger } from '@voxbridge/platform';
import type { TtsProvider } from '../providers';
import type { AgentVoice } from './agent-voice';
import type { SessionsMetrics } from './sessions.metrics';
import { TurnPlayer, type TurnOutput } from './turn-player';

/** Turn ids remembered as over, so late deltas of a cancelled or finished turn start nothing. */
const CLOSED_TURNS_KEPT = 64;

export interface SessionWorkerOptions {
  sessionId: string;
  agent: AgentVoice;
  provider: TtsProvider;
  fallback: () => Promise<TtsProvider | null>;
  output: TurnOutput;
  metrics: SessionsMetrics;
  logger: AppLogger;
  /** `control` `end`: the session is over. */
  onEnd: () => void;
}

/**
 * One claimed session: at most one turn speaks at a time. A reply for a new turn cancels the one
 * playing first; `control` `cancel` stops the named (or current) turn; `end` ends the session.
 */
export class SessionWorker {
  private current: TurnPlayer | undefined;
  private readonly closedTurns: string[] = [];
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly options: SessionWorkerOptions) {}

  onReply(event: ReplyEvent): void {
    if (this.stopped || this.closedTurns.includes(event.turn_id)) return;
    if (this.current?.turnId !== event.turn_id) {
      this.interruptCurrent();
      this.current = this.startTurn(event);
    }
    this.current.onReply(event);
  }

  onControl(event: ControlEvent): void {
    if (this.stopped) return;
    switch (event.action) {
      case 'cancel':
        if (event.turn_id !== undefined && event.turn_id !== this.current?.turnId) {
          // Cancelled before its first delta reached us: never start it.
          this.closeTurn(event.turn_id);
          return;
        }
        this.interruptCurrent();
        return;
      case 'end':
        this.options.onEnd();
        return;
    }
  }

  /** Interrupts the turn speaking and waits until nothing of this session runs any more. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.interruptCurrent();
    await Promise.all([...this.running]);
  }

  private startTurn(event: ReplyEvent): TurnPlayer {
    const { sessionId, agent, provider, fallback, output, metrics, logger } = this.options;
    const turnId = event.turn_id;
    const player = new TurnPlayer({
      sessionId,
      turnId,
      agent,
      provider,
      fallback,
      filterActions: event.filter_actions ?? agent.filterActions,
      output,
      metrics,
      logger,
    });
    const finished = player.finished
      .catch((error: unknown) => logger.error('tts turn crashed', { session_id: sessionId, turn_id: turnId, err: error }))
      .finally(() => {
        this.running.delete(finished);
        this.closeTurn(turnId);
        if (this.current === player) this.current = undefined;
      });
    this.running.add(finished);
    return player;
  }

  private interruptCurrent(): void {
    const player = this.current;
    if (!player) return;
    this.current = undefined;
    this.closeTurn(player.turnId);
    player.cancel();
  }

  private closeTurn(turnId: string): void {
    if (this.closedTurns.includes(turnId)) return;
    this.closedTurns.push(turnId);
    if (this.closedTurns.length > CLOSED_TURNS_KEPT) this.closedTurns.shift();
  }
}
