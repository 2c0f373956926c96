import type { ControlEvent, ReplyEvent, VadEvent } from '@voxbridge/contracts';
import type { AppLogger, TurnFacts } from '@voxbridge/platform';
import type { TtsProvider } from '../providers';
import type { AgentVoice } from './agent-voice';
import { DEFAULT_SPEAKER, OnsetHolds, type PendingOnset } from './onset-holds';
import type { HoldOutcome, SessionsMetrics } from './sessions.metrics';
import { TurnPlayer, type TurnOutput } from './turn-player';

/** Turn ids remembered as over, so late deltas of a cancelled or finished turn start nothing. */
const CLOSED_TURNS_KEPT = 64;

/**
 * The longest a `voice_onset` holds the agent's audio when neither `speech_started` nor
 * `voice_dismissed` follows (stt-gateway died, a message was lost). stt-gateway resolves an onset
 * within its 200 ms hangover after the voice stops, so this is only a safety net.
 */
export const ONSET_HOLD_MAX_MS = 1_000;

export interface SessionWorkerOptions {
  sessionId: string;
  agent: AgentVoice;
  provider: TtsProvider;
  fallback: () => Promise<TtsProvider | null>;
  output: TurnOutput;
  metrics: SessionsMetrics;
  logger: AppLogger;
  /** Durable facts for session-store (what each turn's listener heard). */
  facts: Pick<TurnFacts, 'heard'>;
  /** `control` `end`: the session is over. */
  onEnd: () => void;
  /** Defaults to ONSET_HOLD_MAX_MS. */
  onsetHoldMaxMs?: number;
}

/**
 * One claimed session: at most one turn speaks at a time. A reply for a new turn cancels the one
 * playing first; `control` `cancel` stops the named (or current) turn; `end` ends the session.
 *
 * Barge-in is "pause at onset, decide at confirmation": `vad` `voice_onset` pauses the turn at once
 * (a turn starting while the hold lasts starts paused); `voice_dismissed` (a cough, a click)
 * resumes it where it stopped; `speech_started` (confirmed speech) cancels it, as `control`
 * `cancel` does. If neither comes within `onsetHoldMaxMs`, the turn resumes.
 *
 * With several speakers (`speaker_id`), holds are kept per speaker: the turn stays paused while any
 * speaker's onset is pending, resumes once every one is dismissed (or timed out), and any speaker's
 * confirmed speech cancels it.
 */
export class SessionWorker {
  private current: TurnPlayer | undefined;
  private readonly holds: OnsetHolds;
  private droppedHoldLogged = false;
  private readonly closedTurns: string[] = [];
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly options: SessionWorkerOptions) {
    this.holds = new OnsetHolds({
      holdMaxMs: options.onsetHoldMaxMs ?? ONSET_HOLD_MAX_MS,
      onTimedOut: (onset, released) => this.onHoldTimedOut(onset, released),
    });
  }

  onReply(event: ReplyEvent): void {
    if (this.stopped || this.closedTurns.includes(event.turn_id)) return;
    if (this.current?.turnId !== event.turn_id) {
      this.interruptCurrent();
      this.current = this.startTurn(event);
    }
    this.current.onReply(event);
  }

  onVad(event: VadEvent): void {
    if (this.stopped) return;
    const speakerId = event.speaker_id ?? DEFAULT_SPEAKER;
    switch (event.kind) {
      case 'voice_onset':
        this.startHold(speakerId, event.utterance_id);
        return;
      case 'voice_dismissed':
        // A dismissal of an older onset (superseded by a newer one of that speaker) changes nothing.
        if (this.holds.dismiss(speakerId, event.utterance_id) === 'released') this.endPause('dismissed');
        return;
      case 'speech_started':
        // Other speakers' onsets stay pending: a turn starting before they resolve starts paused.
        this.holds.confirm(speakerId);
        this.endPause('confirmed');
        this.interruptCurrent();
        return;
      case 'speech_stopped':
        return;
    }
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
    this.holds.clear();
    this.interruptCurrent();
    await Promise.all([...this.running]);
  }

  private startTurn(event: ReplyEvent): TurnPlayer {
    const { sessionId, agent, provider, fallback, output, metrics, logger, facts } = this.options;
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
      facts,
    });
    const finished = player.finished
      .catch((error: unknown) => logger.error('tts turn crashed', { session_id: sessionId, turn_id: turnId, err: error }))
      .finally(() => {
        this.running.delete(finished);
        this.closeTurn(turnId);
        if (this.current === player) this.current = undefined;
      });
    this.running.add(finished);
    if (this.holds.isHolding && player.pause()) metrics.turnPaused();
    return player;
  }

  private startHold(speakerId: string, utteranceId: string): void {
    const dropped = this.holds.onset(speakerId, utteranceId);
    if (dropped && !this.droppedHoldLogged) {
      this.droppedHoldLogged = true;
      this.options.logger.warn('tts onset holds full: the oldest pending onset no longer holds the turn', {
        session_id: this.options.sessionId,
        speaker_id: dropped.speakerId,
        utterance_id: dropped.utteranceId,
        held_speakers: this.holds.size,
      });
    }
    if (this.current?.pause()) this.options.metrics.turnPaused();
  }

  private onHoldTimedOut(onset: PendingOnset, released: boolean): void {
    this.options.logger.warn('tts onset hold timed out: neither speech_started nor voice_dismissed came, resuming', {
      session_id: this.options.sessionId,
      speaker_id: onset.speakerId === DEFAULT_SPEAKER ? undefined : onset.speakerId,
      utterance_id: onset.utteranceId,
      hold_ms: this.options.onsetHoldMaxMs ?? ONSET_HOLD_MAX_MS,
    });
    if (released) this.endPause('timed_out');
  }

  /** The pause ends: the turn resumes, unless speech was confirmed (it is about to be cancelled). */
  private endPause(outcome: HoldOutcome): void {
    const paused = this.current?.isPaused === true;
    if (outcome !== 'confirmed') this.current?.resume();
    if (paused) this.options.metrics.pauseEnded(outcome);
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
