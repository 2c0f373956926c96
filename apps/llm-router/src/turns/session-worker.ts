import type { Bus, BusSubscription, SessionStopReason } from '@voxbridge/bus';
import { ControlEvent, mediaSubject, TranscriptEvent, TurnEvent, VadEvent } from '@voxbridge/contracts';
import type { AppLogger, TurnFacts } from '@voxbridge/platform';
import { DEFAULT_SPEAKER_KEY, TurnFloor } from './turn-floor';
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
  /** Several speakers: how long the floor and the agent's speech may hold an utterance back. */
  floor?: FloorOptions;
}

export interface FloorOptions {
  /** An utterance waits at most this long for another speaker to finish (LLM_FLOOR_MAX_WAIT_MS). */
  maxWaitMs: number;
  /** An utterance waits at most this long for the agent to finish speaking an earlier answer (LLM_FLOOR_SPEECH_MAX_WAIT_MS). */
  speechMaxWaitMs: number;
}

export const FLOOR_DEFAULTS: FloorOptions = { maxWaitMs: 5_000, speechMaxWaitMs: 60_000 };
/** Utterances waiting for the floor per session; one more drops the oldest. */
const MAX_QUEUED_UTTERANCES = 8;

interface VoiceTurn {
  turnId: string;
  userText: string;
  speaker?: string;
  /** Several speakers: whose utterance (the `vad`/`transcript` speaker_id), and their display name. */
  speakerId?: string;
  speakerName?: string;
  speakerKey: string;
  agentId: string;
  controller: AbortController;
  /** Barge-in, a newer transcript, someone's `control cancel`, or tts-gateway stopped speaking it. */
  cancelled: boolean;
  /** The LLM is done with it (answered, failed or cancelled). */
  settled: Promise<TurnOutcome>;
  done: boolean;
  /** When the LLM was done with it. */
  doneAtMs?: number;
  /** Its speech is over (tts-gateway's `done` / `interrupted`), or there is nothing to speak. */
  spoken: boolean;
}

/**
 * One claimed voice session on this replica: follows its final transcripts, runs one turn at a time
 * (the turn id is the utterance id), cancels on barge-in, and publishes each turn's answer as a
 * durable fact the moment the LLM is done — session-store joins it with what was heard. Every
 * subscription ends with `stop()`.
 *
 * Several speakers (transcripts with `speaker_id`) share a floor: an utterance is answered only
 * when no other speaker is mid-utterance (bounded by `floor.maxWaitMs`), and an utterance of one
 * speaker that ends while the agent answers or speaks to another waits its turn (queued in the
 * order they ended) until that answer's speech is over. A new utterance of the speaker being
 * answered supersedes the answer, as with one speaker; anyone's confirmed speech is a barge-in.
 */
export class SessionWorker {
  private readonly turns = new Map<string, VoiceTurn>();
  private readonly work = new Set<Promise<unknown>>();
  private subscriptions: BusSubscription[] = [];
  private current: VoiceTurn | undefined;
  private readonly floor: TurnFloor<TranscriptEvent>;
  private readonly floorOptions: FloorOptions;
  private wake: NodeJS.Timeout | undefined;
  private transcripts: BusSubscription | undefined;
  private stopped = false;
  private readonly logger: AppLogger;

  constructor(
    private readonly deps: SessionWorkerDeps,
    readonly sessionId: string,
    public agentId: string,
  ) {
    this.logger = deps.logger.child({ session_id: sessionId });
    this.floorOptions = deps.floor ?? FLOOR_DEFAULTS;
    this.floor = new TurnFloor({ maxWaitMs: this.floorOptions.maxWaitMs, maxQueued: MAX_QUEUED_UTTERANCES });
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
    // Utterances still waiting for the floor are not answered here (handed over: the next replica's).
    clearTimeout(this.wake);
    const unanswered = this.floor.drain();
    if (unanswered.length > 0) this.logger.info('session stopped with utterances still waiting for the floor', { waiting: unanswered.length });
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

  private onTranscript(event: TranscriptEvent): void {
    if (event.kind !== 'final' || this.stopped) return;
    if (event.session_id !== this.sessionId || event.text.trim() === '') {
      this.deps.metrics.droppedEvent('empty_transcript');
      this.logger.warn('final transcript dropped: empty or for another session', { utterance_id: event.utterance_id });
      return;
    }
    const speakerKey = event.speaker_id ?? DEFAULT_SPEAKER_KEY;
    const previous = this.current;
    if (previous && this.isActive(previous) && previous.speakerKey === speakerKey) this.cancel(previous, 'superseded', true);
    const dropped = this.floor.enqueue(event, speakerKey);
    if (dropped) {
      this.deps.metrics.droppedEvent('floor_queue_full');
      this.logger.warn('utterance dropped: too many waiting for the floor', { utterance_id: dropped.utterance_id, speaker_id: dropped.speaker_id });
    }
    this.pump();
  }

  /**
   * Only confirmed speech is a barge-in: a tentative `voice_onset` (maybe a cough) leaves the LLM
   * request alone. Every speaker's onset, start and stop move the floor.
   */
  private onVad(event: VadEvent): void {
    if (this.stopped) return;
    const moved = this.floor.onVad(event.kind, event.speaker_id ?? DEFAULT_SPEAKER_KEY, event.utterance_id);
    const turn = this.current;
    if (event.kind === 'speech_started' && turn && this.isActive(turn)) this.cancel(turn, 'barge_in', true);
    if (moved) this.pump();
  }

  /**
   * Starts the next waiting utterance when the agent is free for it and nobody else is
   * mid-utterance; otherwise wakes up when a bound runs out (a `vad` or `turn` event may come first).
   */
  private pump(): void {
    clearTimeout(this.wake);
    this.wake = undefined;
    const speakerKey = this.floor.headSpeakerKey;
    if (this.stopped || speakerKey === undefined) return;
    const busyMs = this.agentBusyMs(speakerKey);
    if (busyMs !== 0) {
      if (busyMs !== undefined) this.wakeIn(busyMs);
      return;
    }
    const decision = this.floor.take(Date.now());
    if (decision.kind === 'wait') return this.wakeIn(decision.waitMs);
    if (decision.kind === 'empty') return;
    if (decision.held) {
      this.deps.metrics.floorWait(decision.timedOut ? 'timed_out' : 'released', decision.heldMs);
      this.logger.info('utterance held while another speaker spoke', { utterance_id: decision.item.utterance_id, held_ms: decision.heldMs, timed_out: decision.timedOut });
    }
    this.startTurn(decision.item);
  }

  /**
   * 0: the agent is free for an utterance of `speakerKey`; a number: it speaks an answer to
   * someone else for at most that much longer; undefined: it is answering (the settle wakes us).
   */
  private agentBusyMs(speakerKey: string): number | undefined {
    const turn = this.current;
    if (!turn) return 0;
    if (!turn.done) return undefined;
    if (turn.cancelled || turn.spoken || turn.speakerKey === speakerKey) return 0;
    return Math.max(0, (turn.doneAtMs ?? 0) + this.floorOptions.speechMaxWaitMs - Date.now());
  }

  private wakeIn(ms: number): void {
    this.wake = setTimeout(() => this.pump(), Math.max(1, ms));
    this.wake.unref();
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
    // The answer's speech is over: the next utterance waiting may have the floor.
    const current = this.current;
    if (current?.turnId === event.turn_id && (event.state === 'done' || event.state === 'interrupted') && !current.spoken) {
      current.spoken = true;
      this.pump();
    }
  }

  private startTurn(event: TranscriptEvent): void {
    const controller = new AbortController();
    const turn: VoiceTurn = {
      turnId: event.utterance_id,
      userText: event.text,
      speaker: event.speaker,
      ...(event.speaker_id === undefined ? {} : { speakerId: event.speaker_id, speakerName: event.speaker_name }),
      speakerKey: event.speaker_id ?? DEFAULT_SPEAKER_KEY,
      agentId: this.agentId,
      controller,
      cancelled: false,
      done: false,
      spoken: false,
      settled: Promise.resolve({ outcome: 'cancelled', text: '' }),
    };
    turn.settled = this.deps.turns.run({
      kind: 'voice',
      sessionId: this.sessionId,
      agentId: turn.agentId,
      turnId: turn.turnId,
      userText: turn.userText,
      speaker: turn.speaker,
      ...(turn.speakerId === undefined ? {} : { speakerId: turn.speakerId, speakerName: turn.speakerName }),
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
    turn.doneAtMs = Date.now();
    // Nothing of it will be spoken: the floor is free at once.
    if (outcome.outcome !== 'done' || outcome.text.trim() === '') turn.spoken = true;
    this.turns.delete(turn.turnId);
    this.pump();
    await this.deps.facts.answered({
      session_id: this.sessionId,
      turn_id: turn.turnId,
      agent_id: turn.agentId,
      user_text: turn.userText,
      ...(turn.speaker ? { speaker: turn.speaker } : {}),
      ...(turn.speakerId === undefined ? {} : { speaker_id: turn.speakerId }),
      ...(turn.speakerName ? { speaker_name: turn.speakerName } : {}),
      assistant_text: outcome.text,
      outcome: turn.cancelled && outcome.outcome === 'done' ? 'cancelled' : outcome.outcome,
      ...(outcome.provider ? { provider: outcome.provider } : {}),
      ...(outcome.model ? { model: outcome.model } : {}),
      ...(outcome.errorCode ? { error_code: outcome.errorCode } : {}),
      ...(outcome.errorMessage ? { error_message: outcome.errorMessage.slice(0, 1_000) } : {}),
      ...(outcome.errorProvider ? { error_provider: outcome.errorProvider } : {}),
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
