import type { VoiceActivityDetector } from './voice-activity-detector';

export interface EndOfTurnOptions {
  /** The agent's end-of-turn silence. */
  silenceMs?: number;
  /** An utterance is cut (end of turn) when it has lasted this long. */
  maxUtteranceMs?: number;
  /** Voiced audio needed before a turn starts: shorter bursts (a cough, a click) start nothing. */
  minSpeechMs?: number;
}

export const END_OF_TURN_DEFAULTS = {
  silenceMs: 600,
  maxUtteranceMs: 15_000,
  minSpeechMs: 200,
} as const;

export type EndOfTurnReason = 'silence' | 'max_utterance';

/**
 * All times are capture times in ms; `atMs` is when the decision holds (a frame end or a gap).
 * `voice_onset` is tentative (the VAD's onset run heard voice); it is always followed by exactly one
 * `speech_started` (confirmed) or `voice_dismissed` (over before it was confirmed).
 */
export type TurnEvent =
  | { type: 'voice_onset'; tVoiceStartMs: number; atMs: number }
  | { type: 'voice_dismissed'; tVoiceStartMs: number; tVoiceEndMs: number; atMs: number }
  | { type: 'speech_started'; tSpeechStartMs: number; atMs: number }
  | { type: 'speech_stopped'; tSpeechEndMs: number; atMs: number }
  | { type: 'end_of_turn'; reason: EndOfTurnReason; tSpeechStartMs: number; tSpeechEndMs: number; atMs: number };

/** Voiced audio of the VAD's current segment, before it is confirmed as a turn. */
interface Candidate {
  startMs: number;
  segmentStartMs: number;
  voicedMs: number;
  /** End of its last voiced frame. */
  lastVoicedEndMs: number;
  /** `voice_onset` was reported: it must end in `speech_started` or `voice_dismissed`. */
  announced: boolean;
}

interface Turn {
  startMs: number;
  /** End of the last voiced sample: `t_speech_end`. */
  lastVoicedEndMs: number;
}

/**
 * Turns VAD decisions into turn events for one audio stream. As soon as the VAD's onset run says
 * voice started, `voice_onset` reports the first voiced frame (listeners may pause); a turn starts
 * once `minSpeechMs` of voiced audio is confirmed (`speech_started`, same first voiced frame) and
 * ends after `silenceMs` without voiced audio, or at `maxUtteranceMs`. An onset whose VAD segment
 * ends before that is `voice_dismissed`. Missing frames count as silence: a capture time beyond the
 * previous frame's end is that much silence, and `advanceTo` lets a timer end a turn, or dismiss an
 * onset, when no frames arrive at all (Discord sends nothing while the user is quiet).
 *
 * Every path that forgets a candidate goes through `dropCandidate`, so an announced onset is
 * resolved exactly once whatever the frames do (jitter, gaps, a new segment, a reset).
 */
export class EndOfTurnDetector {
  readonly silenceMs: number;
  readonly maxUtteranceMs: number;
  readonly minSpeechMs: number;
  private candidate: Candidate | undefined;
  private turn: Turn | undefined;
  private nowMs: number | undefined;

  constructor(
    private readonly vad: VoiceActivityDetector,
    options: EndOfTurnOptions = {},
  ) {
    this.silenceMs = options.silenceMs ?? END_OF_TURN_DEFAULTS.silenceMs;
    this.maxUtteranceMs = options.maxUtteranceMs ?? END_OF_TURN_DEFAULTS.maxUtteranceMs;
    this.minSpeechMs = options.minSpeechMs ?? END_OF_TURN_DEFAULTS.minSpeechMs;
    if (!(this.silenceMs > 0 && this.maxUtteranceMs > 0 && this.minSpeechMs >= 0)) {
      throw new RangeError('silenceMs and maxUtteranceMs must be positive, minSpeechMs not negative');
    }
  }

  /** A turn is in progress (speech started, end not reached). */
  get inTurn(): boolean {
    return this.turn !== undefined;
  }

  /** A `voice_onset` was reported and is not resolved yet. */
  get onsetPending(): boolean {
    return this.candidate?.announced === true;
  }

  /** Feeds one frame captured at `captureMs`; returns what it decided, in order. */
  process(frame: Uint8Array, captureMs: number): TurnEvent[] {
    // The frame's place on the VAD's speech clock, which follows the capture clock (see VadFrame).
    const result = this.vad.process(frame, captureMs);
    const { startMs, endMs } = result;
    // Only the turn's clock here: a gap in the frames reaches the candidate through the VAD's segment.
    const events = this.advanceTurnTo(startMs);
    // A timer tick may have moved the turn's clock past this frame (it came late): never backwards.
    this.nowMs = Math.max(this.nowMs ?? endMs, endMs);

    if (this.turn) {
      if (result.voiced && result.speaking) this.turn.lastVoicedEndMs = Math.max(this.turn.lastVoicedEndMs, endMs);
      const cut = this.checkEnd(endMs);
      if (cut) events.push(...cut);
      return events;
    }

    if (result.segmentStartMs === undefined) {
      events.push(...this.dropCandidate(endMs));
      return events;
    }
    if (this.candidate && this.candidate.segmentStartMs !== result.segmentStartMs) events.push(...this.dropCandidate(startMs));
    if (result.voiced) {
      this.candidate ??= { startMs, segmentStartMs: result.segmentStartMs, voicedMs: 0, lastVoicedEndMs: endMs, announced: false };
      this.candidate.voicedMs += endMs - startMs;
      this.candidate.lastVoicedEndMs = endMs;
    }
    const candidate = this.candidate;
    if (!candidate || !result.speaking) return events;
    if (!candidate.announced) {
      candidate.announced = true;
      events.push({ type: 'voice_onset', tVoiceStartMs: candidate.startMs, atMs: endMs });
    }
    if (candidate.voicedMs >= this.minSpeechMs) {
      this.turn = { startMs: candidate.startMs, lastVoicedEndMs: endMs };
      this.candidate = undefined;
      events.push({ type: 'speech_started', tSpeechStartMs: this.turn.startMs, atMs: endMs });
      const cut = this.checkEnd(endMs);
      if (cut) events.push(...cut);
    }
    return events;
  }

  /**
   * Time passes with no audio (a gap, or a timer tick): it counts as silence. It ends a turn after
   * `silenceMs`, and dismisses a pending onset once the VAD's hangover has passed since its last
   * voiced frame (the VAD would end that segment at the next frame).
   */
  advanceTo(nowMs: number): TurnEvent[] {
    const events = this.advanceTurnTo(nowMs);
    const candidate = this.candidate;
    if (candidate?.announced && nowMs - candidate.lastVoicedEndMs >= this.vad.hangoverMs) events.push(...this.dropCandidate(nowMs));
    return events;
  }

  /**
   * Ends any turn in progress and forgets the stream (the VAD too). Returns the `voice_dismissed`
   * of an onset still pending, so that whoever paused for it is not left waiting.
   */
  reset(): TurnEvent[] {
    const events = this.dropCandidate(this.nowMs ?? 0);
    this.turn = undefined;
    this.nowMs = undefined;
    this.vad.reset();
    return events;
  }

  private advanceTurnTo(nowMs: number): TurnEvent[] {
    if (this.nowMs !== undefined && nowMs <= this.nowMs) return [];
    this.nowMs = nowMs;
    return this.checkEnd(nowMs) ?? [];
  }

  /** Forgets the candidate; an announced one is dismissed (it never became a turn). */
  private dropCandidate(atMs: number): TurnEvent[] {
    const candidate = this.candidate;
    this.candidate = undefined;
    if (!candidate?.announced) return [];
    return [{ type: 'voice_dismissed', tVoiceStartMs: candidate.startMs, tVoiceEndMs: candidate.lastVoicedEndMs, atMs: Math.max(atMs, candidate.lastVoicedEndMs) }];
  }

  private checkEnd(nowMs: number): TurnEvent[] | undefined {
    const turn = this.turn;
    if (!turn) return undefined;
    const silenceEndMs = turn.lastVoicedEndMs + this.silenceMs;
    const maxEndMs = turn.startMs + this.maxUtteranceMs;
    if (nowMs < silenceEndMs && nowMs < maxEndMs) return undefined;
    const reason: EndOfTurnReason = silenceEndMs <= maxEndMs ? 'silence' : 'max_utterance';
    const atMs = Math.min(silenceEndMs, maxEndMs);
    const tSpeechEndMs = Math.min(turn.lastVoicedEndMs, atMs);
    this.turn = undefined;
    return [
      { type: 'speech_stopped', tSpeechEndMs, atMs },
      { type: 'end_of_turn', reason, tSpeechStartMs: turn.startMs, tSpeechEndMs, atMs },
    ];
  }
}
