import { randomUUID } from 'node:crypto';
import type { Bus, BusSubscription } from '@voxbridge/bus';
import { ControlEvent, mediaSubject, TranscriptEvent, TurnEvent, VadEvent } from '@voxbridge/contracts';
import type { AppLogger } from '@voxbridge/platform';
import type { AudioMarks, SpeechMarks } from './turn-commit';
import type { TurnOutput } from './turn-output';
import type { TurnsMetrics } from './turns.metrics';
import type { TurnOutcome, TurnsService } from './turns.service';

export interface SessionWorkerDeps {
  bus: Bus;
  turns: TurnsService;
  output: TurnOutput;
  metrics: TurnsMetrics;
  logger: AppLogger;
  /** After the LLM is done, how long to wait for tts-gateway's `done` / `interrupted` before committing. */
  commitWaitMs: number;
  /** `control end` arrived: the owner should stop this worker and let the session go. */
  onEnd: (sessionId: string) => void;
}

interface VoiceTurn {
  turnId: string;
  userText: string;
  speaker?: string;
  agentId: string;
  speech: SpeechMarks;
  audio: AudioMarks;
  controller: AbortController;
  /** Barge-in, a newer transcript, or someone's `control cancel`. */
  cancelled: boolean;
  /** tts-gateway said `done` / `interrupted`, or the commit started without it. */
  committing: boolean;
  settled: Promise<TurnOutcome>;
  commitTimer?: NodeJS.Timeout;
}

/**
 * One claimed voice session on this replica: follows its final transcripts, runs one turn at a time,
 * cancels on barge-in, and commits each turn once tts-gateway tells what was heard. Every
 * subscription ends with `stop()`.
 */
export class SessionWorker {
  private readonly turns = new Map<string, VoiceTurn>();
  private readonly work = new Set<Promise<unknown>>();
  private subscriptions: BusSubscription[] = [];
  private current: VoiceTurn | undefined;
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
    this.subscriptions = [
      bus.subscribeJson(mediaSubject(sid, 'transcript'), TranscriptEvent, (e) => this.onTranscript(e)),
      bus.subscribeJson(mediaSubject(sid, 'vad'), VadEvent, (e) => this.onVad(e)),
      bus.subscribeJson(mediaSubject(sid, 'control'), ControlEvent, (e) => this.onControl(e)),
      bus.subscribeJson(mediaSubject(sid, 'turn'), TurnEvent, (e) => this.onTurn(e)),
    ];
  }

  /** Unsubscribes, cancels the running turn and commits what is pending; resolves when all of it is done. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions = [];
    for (const turn of this.turns.values()) {
      turn.controller.abort();
      this.track(this.commit(turn));
    }
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
    if (!turn) return; // our own `thinking`, or a turn already committed
    if (event.first_audio_at_ms !== undefined) turn.audio.firstAudioAtMs = event.first_audio_at_ms;
    if (event.tts_ttfb_ms !== undefined) turn.audio.ttsTtfbMs = event.tts_ttfb_ms;
    if (event.first_chunk_wait_ms !== undefined) turn.audio.firstChunkWaitMs = event.first_chunk_wait_ms;
    if (event.state === 'done' || event.state === 'interrupted') {
      // tts-gateway stopped the turn (it cancels on confirmed speech itself, maybe before our own
      // `vad` arrives): nothing more of the reply will be spoken, so the LLM request goes too.
      if (event.state === 'interrupted') turn.controller.abort();
      this.track(this.commit(turn, { heardText: event.heard_text ?? '', interrupted: event.state === 'interrupted' }));
    }
  }

  private startTurn(event: TranscriptEvent): void {
    const controller = new AbortController();
    const turn: VoiceTurn = {
      turnId: randomUUID(),
      userText: event.text,
      speaker: event.speaker,
      agentId: this.agentId,
      speech: { speechEndAtMs: event.speech_end_at_ms, endOfTurnSilenceMs: event.end_of_turn_silence_ms, sttLatencyMs: event.stt_latency_ms },
      audio: {},
      controller,
      cancelled: false,
      committing: false,
      settled: Promise.resolve({ outcome: 'cancelled', text: '' }),
    };
    turn.settled = this.deps.turns
      .run({ kind: 'voice', sessionId: this.sessionId, agentId: turn.agentId, turnId: turn.turnId, userText: turn.userText, speaker: turn.speaker, signal: controller.signal })
      .then((outcome) => {
        if (!turn.committing && !this.stopped) {
          turn.commitTimer = setTimeout(() => this.track(this.commit(turn)), this.deps.commitWaitMs);
        }
        return outcome;
      });
    this.turns.set(turn.turnId, turn);
    this.current = turn;
    this.track(turn.settled);
  }

  private isActive(turn: VoiceTurn): boolean {
    return !turn.cancelled && !turn.committing;
  }

  private cancel(turn: VoiceTurn, reason: string, announce: boolean): void {
    turn.cancelled = true;
    turn.controller.abort();
    if (announce) this.deps.output.cancel(this.sessionId, turn.turnId, reason);
    this.logger.info('turn cancelled', { turn_id: turn.turnId, reason });
  }

  /**
   * With tts's answer: heard text when interrupted, else the full text. Without one (no tts, or it
   * never answered): what the model said, marked interrupted when the turn was cancelled. A turn
   * whose LLM failed before saying anything is not stored: the user saw the error, there is no answer.
   */
  private async commit(turn: VoiceTurn, tts?: { heardText: string; interrupted: boolean }): Promise<void> {
    if (turn.committing) return;
    turn.committing = true;
    clearTimeout(turn.commitTimer);
    const outcome = await turn.settled;
    this.turns.delete(turn.turnId);
    if (outcome.outcome === 'error' && outcome.text === '') return;
    const interrupted = tts ? tts.interrupted : turn.cancelled || outcome.outcome === 'cancelled';
    await this.deps.turns.commit({
      request: { sessionId: this.sessionId, agentId: turn.agentId, turnId: turn.turnId, userText: turn.userText, speaker: turn.speaker },
      outcome,
      assistantText: tts?.interrupted ? tts.heardText : outcome.text,
      interrupted,
      speech: turn.speech,
      audio: turn.audio,
    });
  }

  private track(promise: Promise<unknown>): void {
    const tracked = promise
      .catch((error: unknown) => this.logger.error('voice turn work failed', { err: error }))
      .finally(() => this.work.delete(tracked));
    this.work.add(tracked);
  }
}
