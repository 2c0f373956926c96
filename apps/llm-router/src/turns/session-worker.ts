import type { Bus, BusSubscription, SessionStopReason } from '@voxbridge/bus';
import { ControlEvent, mediaSubject, TranscriptEvent, TurnEvent, VadEvent } from '@voxbridge/contracts';
import type { AppLogger, TurnFacts } from '@voxbridge/platform';
import type { TurnOutput } from './turn-output';
import type { TurnsMetrics } from './turns.metrics';
import type { TurnOutcome, TurnsService } from './turns.service';

export interface SessionWorkerDeps {
  bus: Bus;
  turns: TurnsService;
  output: TurnOutput;
  metrics: TurnsMetrics;
  logger: AppLogger;
  /** Durable facts for session-store: each turn's answer. */
  facts: Pick<TurnFacts, 'answered'>;
  /** `control end` arrived: the owner should stop this worker and let the session go. */
  onEnd: (sessionId: string) => void;
}

interface VoiceTurn {
  turnId: string;
  userText: string;
  speaker?: string;
  agentId: string;
  controller: AbortController;
  /** Barge-in, a newer transcript, someone's `control cancel`, or tts-gateway stopped speaking it. */
  cancelled: boolean;
  /** The LLM is done with it (answered, failed or cancelled). */
  settled: Promise<TurnOutcome>;
  done: boolean;
}

/**
 * One claimed voice session on this replica: follows its final transcripts, runs one turn at a time
 * (the turn id is the utterance id), cancels on barge-in, and publishes each turn's answer as a
 * durable fact the moment the LLM is done — session-store joins it with what was heard. Nothing
 * of a turn waits here for another service. Every subscription ends with `stop()`.
 */
export class SessionWorker {
  private readonly turns = new Map<string, VoiceTurn>();
  private readonly work = new Set<Promise<unknown>>();
  private subscriptions: BusSubscription[] = [];
  private current: VoiceTurn | undefined;
  private transcripts: BusSubscription | undefined;
  private stopped = false;
  private readonly logger: AppLogger;

  constructor(
    private readonly deps: SessionWorkerDeps,
    readonly sessionId: string,
    public agentId: string,
  ) {
    this.logger = deps.logger.child({ session_id: sessionId });
  }

  start(): void {
    const { bus } = this.deps;
    const sid = this.sessionId;
    this.transcripts = bus.subscribeJson(mediaSubject(sid, 'transcript'), TranscriptEvent, (e) => this.onTranscript(e));
    this.subscriptions = [
      this.transcripts,
      bus.subscribeJson(mediaSubject(sid, 'vad'), VadEvent, (e) => this.onVad(e)),
      bus.subscribeJson(mediaSubject(sid, 'control'), ControlEvent, (e) => this.onControl(e)),
      bus.subscribeJson(mediaSubject(sid, 'turn'), TurnEvent, (e) => this.onTurn(e)),
    ];
  }

  /**
   * Unsubscribes and cancels the running turn; resolves once its answer (as far as it got) is
   * stored. Handed over (SIGTERM, another replica took the session): the next utterance is the
   * other replica's, but the turn already being answered is finished here — still cancelled by a
   * barge-in — so the user hears no gap (the provider deadlines bound how long that takes).
   */
  async stop(reason?: SessionStopReason): Promise<void> {
    if (this.stopped) return;
    if (reason === 'handed_over') {
      this.transcripts?.unsubscribe();
      this.subscriptions = this.subscriptions.filter((subscription) => subscription !== this.transcripts);
      const running = this.current;
      if (running && this.isActive(running)) {
        this.logger.info('session handed over; finishing the turn being answered', { turn_id: running.turnId });
        await running.settled;
      }
    }
    this.stopped = true;
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions = [];
    for (const turn of this.turns.values()) turn.controller.abort();
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  /** Subscriptions still open (0 after stop). */
  get openSubscriptions(): number {
    return this.subscriptions.length;
  }

  private async onTranscript(event: TranscriptEvent): Promise<void> {
    if (event.kind !== 'final' || this.stopped) return;
    if (event.session_id !== this.sessionId || event.text.trim() === '') {
      this.deps.metrics.droppedEvent('empty_transcript');
      this.logger.warn('final transcript dropped: empty or for another session', { utterance_id: event.utterance_id });
      return;
    }
    const previous = this.current;
    if (previous && this.isActive(previous)) this.cancel(previous, 'superseded', true);
    if (previous) await previous.settled;
    if (this.stopped) return;
    this.startTurn(event);
  }

  /** Only confirmed speech is a barge-in: a tentative `voice_onset` (maybe a cough) leaves the LLM request alone. */
  private onVad(event: VadEvent): void {
    const turn = this.current;
    if (event.kind !== 'speech_started' || !turn || !this.isActive(turn)) return;
    this.cancel(turn, 'barge_in', true);
  }

  private onControl(event: ControlEvent): void {
    if (event.action === 'end') {
      this.deps.onEnd(this.sessionId);
      return;
    }
    const turn = event.turn_id ? this.turns.get(event.turn_id) : this.current;
    if (turn && !turn.cancelled) this.cancel(turn, event.reason ?? 'cancelled', false);
  }

  private onTurn(event: TurnEvent): void {
    const turn = this.turns.get(event.turn_id);
    // tts-gateway stopped the turn (it cancels on confirmed speech itself, maybe before our own
    // `vad` arrives): nothing more of the reply will be spoken, so the LLM request goes too.
    if (turn && event.state === 'interrupted' && !turn.done) {
      turn.cancelled = true;
      turn.controller.abort();
    }
  }

  private startTurn(event: TranscriptEvent): void {
    const controller = new AbortController();
    const turn: VoiceTurn = {
      turnId: event.utterance_id,
      userText: event.text,
      speaker: event.speaker,
      agentId: this.agentId,
      controller,
      cancelled: false,
      done: false,
      settled: Promise.resolve({ outcome: 'cancelled', text: '' }),
    };
    turn.settled = this.deps.turns.run({
      kind: 'voice',
      sessionId: this.sessionId,
      agentId: turn.agentId,
      turnId: turn.turnId,
      userText: turn.userText,
      speaker: turn.speaker,
      signal: controller.signal,
    });
    this.turns.set(turn.turnId, turn);
    this.current = turn;
    this.track(turn.settled.then((outcome) => this.answered(turn, outcome)));
  }

  private isActive(turn: VoiceTurn): boolean {
    return !turn.cancelled && !turn.done;
  }

  private cancel(turn: VoiceTurn, reason: string, announce: boolean): void {
    turn.cancelled = true;
    turn.controller.abort();
    if (announce) this.deps.output.cancel(this.sessionId, turn.turnId, reason);
    this.logger.info('turn cancelled', { turn_id: turn.turnId, reason });
  }

  /** The turn's answer, as far as the LLM got, as a durable fact (session-store adds what was heard). */
  private async answered(turn: VoiceTurn, outcome: TurnOutcome): Promise<void> {
    turn.done = true;
    this.turns.delete(turn.turnId);
    await this.deps.facts.answered({
      session_id: this.sessionId,
      turn_id: turn.turnId,
      agent_id: turn.agentId,
      user_text: turn.userText,
      ...(turn.speaker ? { speaker: turn.speaker } : {}),
      assistant_text: outcome.text,
      outcome: turn.cancelled && outcome.outcome === 'done' ? 'cancelled' : outcome.outcome,
      ...(outcome.provider ? { provider: outcome.provider } : {}),
      ...(outcome.model ? { model: outcome.model } : {}),
      ...(outcome.errorCode ? { error_code: outcome.errorCode } : {}),
      marks: {
        ...(outcome.marks?.llmRequestAtMs !== undefined ? { llm_request: outcome.marks.llmRequestAtMs } : {}),
        ...(outcome.marks?.llmFirstTokenAtMs !== undefined ? { llm_first_token: outcome.marks.llmFirstTokenAtMs } : {}),
      },
    });
  }

  private track(promise: Promise<unknown>): void {
    const tracked = promise
      .catch((error: unknown) => this.logger.error('voice turn work failed', { err: error }))
      .finally(() => this.work.delete(tracked));
    this.work.add(tracked);
  }
}
