import { AUDIO_IN_SAMPLE_RATE_HZ, samplesOf } from '@voxbridge/audio';
import type { VoiceActivityDetector } from './voice-activity-detector';

export interface EndOfTurnOptions {
  /** The agent's end-of-turn silence. */
  silenceMs?: number;
  /** An utterance is cut (end of turn) when it has lasted this long. */
  maxUtteranceMs?: number;
  /** Voiced audio needed before a turn starts: shorter bursts (a cough, a click) start nothing. */
  minSpeechMs?: number;
  sampleRateHz?: number;
}

export const END_OF_TURN_DEFAULTS = {
  silenceMs: 600,
  maxUtteranceMs: 15_000,
  minSpeechMs: 200,
} as const;

export type EndOfTurnReason = 'silence' | 'max_utterance';

/** All times are capture times in ms; `atMs` is when the decision holds (a frame end or a gap). */
export type TurnEvent =
  | { type: 'speech_started'; tSpeechStartMs: number; atMs: number }
  | { type: 'speech_stopped'; tSpeechEndMs: number; atMs: number }
  | { type: 'end_of_turn'; reason: EndOfTurnReason; tSpeechStartMs: number; tSpeechEndMs: number; atMs: number };

interface Candidate {
  startMs: number;
  segmentStartMs: number | undefined;
  voicedMs: number;
}

interface Turn {
  startMs: number;
  /** End of the last voiced sample: `t_speech_end`. */
  lastVoicedEndMs: number;
}

/**
 * Turns VAD decisions into turn events for one audio stream. A turn starts once `minSpeechMs` of
 * voiced audio is confirmed (reported with the time of its first voiced frame) and ends after
 * `silenceMs` without voiced audio, or at `maxUtteranceMs`. Missing frames count as silence: a
 * capture time beyond the previous frame's end is that much silence, and `advanceTo` lets a timer
 * end a turn when no frames arrive at all (Discord sends nothing while the user is quiet).
 */
export class EndOfTurnDetector {
  readonly silenceMs: number;
  readonly maxUtteranceMs: number;
  readonly minSpeechMs: number;
  private readonly sampleRateHz: number;
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
    this.sampleRateHz = options.sampleRateHz ?? AUDIO_IN_SAMPLE_RATE_HZ;
    if (!(this.silenceMs > 0 && this.maxUtteranceMs > 0 && this.minSpeechMs >= 0)) {
      throw new RangeError('silenceMs and maxUtteranceMs must be positive, minSpeechMs not negative');
    }
  }

  /** A turn is in progress (speech started, end not reached). */
  get inTurn(): boolean {
    return this.turn !== undefined;
  }

  /** Feeds one frame captured at `captureMs`; returns what it decided, in order. */
  process(frame: Uint8Array, captureMs: number): TurnEvent[] {
    const events = this.advanceTo(captureMs);
    const startMs = Math.max(captureMs, this.nowMs ?? captureMs);
    const endMs = startMs + (samplesOf(frame).length / this.sampleRateHz) * 1000;
    const result = this.vad.process(frame, captureMs);
    this.nowMs = endMs;

    if (this.turn) {
      if (result.voiced && result.speaking) this.turn.lastVoicedEndMs = endMs;
      const cut = this.checkEnd(endMs);
      if (cut) events.push(...cut);
      return events;
    }

    if (result.segmentStartMs === undefined) {
      this.candidate = undefined;
      return events;
    }
    if (this.candidate && this.candidate.segmentStartMs !== result.segmentStartMs) this.candidate = undefined;
    if (result.voiced) {
      this.candidate ??= { startMs, segmentStartMs: result.segmentStartMs, voicedMs: 0 };
      this.candidate.voicedMs += endMs - startMs;
    }
    if (this.candidate && result.speaking && this.candidate.voicedMs >= this.minSpeechMs) {
      this.turn = { startMs: this.candidate.startMs, lastVoicedEndMs: endMs };
      this.candidate = undefined;
      events.push({ type: 'speech_started', tSpeechStartMs: this.turn.startMs, atMs: endMs });
      const cut = this.checkEnd(endMs);
      if (cut) events.push(...cut);
    }
    return events;
  }

  /** Time passes with no audio (a gap, or a timer tick): it counts as silence. */
  advanceTo(nowMs: number): TurnEvent[] {
    if (this.nowMs !== undefined && nowMs <= this.nowMs) return [];
    this.nowMs = nowMs;
    return this.checkEnd(nowMs) ?? [];
  }

  /** Ends any turn in progress and forgets the stream (the VAD too). */
  reset(): void {
    this.turn = undefined;
    this.candidate = undefined;
    this.nowMs = undefined;
    this.vad.reset();
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
