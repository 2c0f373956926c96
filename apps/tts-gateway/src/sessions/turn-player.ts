import { FRAME_DURATION_MS, type ReplyEvent, type TurnMarks } from '@voxbridge/contracts';
import type { AppLogger, TurnFacts } from '@voxbridge/platform';
import { TtsProviderError, type SynthesisRequest, type TtsProvider } from '../providers';
import { SentenceChunker } from '../sentences';
import { SynthesisPipeline } from '../synthesis';
import type { AgentVoice } from './agent-voice';
import { sharedFrameClock, type FrameClock } from './frame-clock';
import type { SessionsMetrics } from './sessions.metrics';
import { TextQueue } from './text-queue';

/** Spoken when the LLM fails or the agent's provider does — never silence. */
export const APOLOGY_TEXT = "Sorry — I can't answer right now.";

/** Frames published ahead of real time: the gateway's jitter buffer, and what a cancel throws away. */
export const LEAD_FRAMES = 3;

/** While speaking, what was heard is stored at most this often (when it changed), so a crash keeps it. */
const PROGRESS_EVERY_FRAMES = 25;

/** Where a turn's output goes (the session's `audio.out` and `turn` streams). */
export interface TurnOutput {
  publishFrame(turnId: string, bytes: Uint8Array, seq: number, timestampMs: number): void;
  publishTurn(event: TurnUpdate): void;
}

export type TurnUpdate =
  | { turn_id: string; state: 'speaking'; first_audio_at_ms: number; tts_ttfb_ms?: number; first_chunk_wait_ms?: number }
  | { turn_id: string; state: 'interrupted' | 'done'; heard_text: string; frames_played: number };

export interface TurnPlayerOptions {
  sessionId: string;
  turnId: string;
  agent: AgentVoice;
  provider: TtsProvider;
  /** The offline engine for the apology when `provider` fails (null: none installed). */
  fallback: () => Promise<TtsProvider | null>;
  /** The reply's `filter_actions`, else the agent's `filter_actions_for_tts`. */
  filterActions: boolean;
  output: TurnOutput;
  metrics: SessionsMetrics;
  logger: AppLogger;
  /** Durable facts for session-store: what was heard (progress and final), the TTS marks. */
  facts: Pick<TurnFacts, 'heard'>;
  /** What paces the frames (default: the process's shared tick, so all turns publish together). */
  clock?: FrameClock;
}

/** One provider's share of the turn's audio (the apology after a failure is a second one). */
interface Segment {
  pipeline: SynthesisPipeline;
  provider: string;
  frames: number;
  /** Its first request's time to first audio byte, once known. */
  ttfbMs: () => number | undefined;
}

/**
 * Speaks one turn: reply deltas → sentences → synthesis → `audio.out` frames paced in real time
 * with a lead of LEAD_FRAMES, and the turn's `speaking` / `interrupted` / `done` events.
 * `cancel()` is synchronous: it publishes `interrupted` with what was heard and no frame follows.
 * `pause()` is synchronous too: no frame is published until `resume()` (synthesis goes on, its
 * frames wait), and the frames after a resume are paced from the moment of the resume.
 */
export class TurnPlayer {
  readonly finished: Promise<void>;
  private readonly chunker: SentenceChunker;
  private readonly sentences = new TextQueue();
  private readonly segments: Segment[] = [];
  private readonly stopped = new AbortController();
  private outcome: 'done' | 'interrupted' | undefined;
  private received = '';
  private published = 0;
  /** performance.now() of the turn's first delta, and how long until its first speakable chunk. */
  private firstDeltaAtMs: number | undefined;
  private firstChunkWaitMs: number | undefined;
  /** performance.now() at which the audio published so far ends playing at the listener. */
  private playoutEndMs = 0;
  /** Set while paused: resolved by `resume()` (or `cancel()`). */
  private pauseGate: { released: Promise<void>; release: () => void } | undefined;
  /** Every frame is out; the turn only waits for them to play. */
  private allPublished = false;
  /** Why the speech failed, told with `done` (the user hears only an apology, or nothing). */
  private speechFailure: { error_code: string; error_message: string } | undefined;
  /** The provider that failed first (stored with the turn, not sent to the client). */
  private failedProvider: string | undefined;
  /** The turn's timeline marks this service sees (epoch ms). */
  private readonly marks: TurnMarks = {};
  private factSeq = 0;
  private lastHeardFact = '';
  /** Heard facts still being stored; `finished` waits for them. */
  private readonly storing = new Set<Promise<boolean>>();

  private readonly clock: FrameClock;

  constructor(private readonly options: TurnPlayerOptions) {
    this.clock = options.clock ?? sharedFrameClock;
    this.chunker = new SentenceChunker({ filterActions: options.filterActions });
    this.finished = this.run();
  }

  get turnId(): string {
    return this.options.turnId;
  }

  get isOver(): boolean {
    return this.outcome !== undefined;
  }

  get isPaused(): boolean {
    return this.pauseGate !== undefined;
  }

  /**
   * Stops publishing frames now, keeping the place (the user may be starting to speak). False when
   * over, already paused, or with nothing left to publish.
   */
  pause(): boolean {
    if (this.outcome || this.pauseGate || this.allPublished) return false;
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.pauseGate = { released, release };
    return true;
  }

  /** Publishes again from where `pause()` stopped, no frame dropped or repeated. False when not paused. */
  resume(): boolean {
    const gate = this.pauseGate;
    if (!gate) return false;
    this.pauseGate = undefined;
    gate.release();
    return true;
  }

  private pushSentence(sentence: string): void {
    if (this.firstChunkWaitMs === undefined && this.firstDeltaAtMs !== undefined) {
      this.firstChunkWaitMs = Math.round(performance.now() - this.firstDeltaAtMs);
    }
    this.marks.first_sentence ??= Date.now();
    this.sentences.push(sentence);
  }

  onReply(event: ReplyEvent): void {
    if (this.outcome || this.sentences.isEnded) return;
    switch (event.kind) {
      case 'delta': {
        const text = event.text ?? '';
        this.received += text;
        this.firstDeltaAtMs ??= performance.now();
        this.marks.tts_first_token ??= Date.now();
        for (const sentence of this.chunker.push(text)) this.pushSentence(sentence);
        return;
      }
      case 'done': {
        // `done` carries the whole text: speak what the deltas missed (or all of it, unstreamed).
        const full = event.text ?? '';
        if (full.length > this.received.length && full.startsWith(this.received)) {
          for (const sentence of this.chunker.push(full.slice(this.received.length))) this.pushSentence(sentence);
        }
        for (const sentence of this.chunker.flush()) this.pushSentence(sentence);
        this.sentences.end();
        return;
      }
      case 'error':
        this.options.logger.warn('tts reply failed upstream: speaking an apology', {
          ...this.logFields(),
          error_code: event.error_code,
          provider: event.provider,
        });
        // The unfinished sentence is left unsaid; the apology follows what was already cut.
        this.sentences.push(APOLOGY_TEXT);
        this.sentences.end();
        return;
    }
  }

  /** Stops the turn now (barge-in, a newer turn, the session ending). False when it was already over. */
  cancel(): boolean {
    if (this.outcome) return false;
    this.outcome = 'interrupted';
    const framesPlayed = this.framesPlayed();
    this.stopped.abort();
    this.resume();
    for (const segment of this.segments) segment.pipeline.abort();
    this.sentences.end();
    const heardText = this.heardText(framesPlayed);
    this.options.output.publishTurn({
      turn_id: this.options.turnId,
      state: 'interrupted',
      heard_text: heardText,
      frames_played: framesPlayed,
    });
    this.storeHeard(heardText, framesPlayed, { final: true, interrupted: true });
    this.options.metrics.turnEnded('interrupted');
    return true;
  }

  private async run(): Promise<void> {
    await this.speak();
    // What was heard is stored before the turn counts as finished (the session may stop next).
    while (this.storing.size > 0) await Promise.all([...this.storing]);
  }

  private async speak(): Promise<void> {
    try {
      await this.playSegment(this.options.provider, this.sentences);
    } catch (error) {
      if (this.outcome) return;
      this.sentences.end();
      this.logFailure(error, this.options.provider.name);
      const fallback = await this.options.fallback();
      if (fallback && fallback.name !== this.options.provider.name && !this.outcome) {
        try {
          await this.playSegment(fallback, [APOLOGY_TEXT]);
        } catch (apologyError) {
          if (this.outcome) return;
          this.logFailure(apologyError, fallback.name);
        }
      }
    }
    this.allPublished = true;
    this.resume();
    // The last frames are still in the listener's buffer: `done` when they have played.
    await this.sleep(this.playoutEndMs - performance.now());
    if (this.outcome) return;
    this.outcome = 'done';
    const heardText = this.heardText(this.published);
    this.options.output.publishTurn({
      turn_id: this.options.turnId,
      state: 'done',
      heard_text: heardText,
      frames_played: this.published,
      ...this.speechFailure,
    });
    this.storeHeard(heardText, this.published, { final: true, interrupted: false });
    this.options.metrics.turnEnded('done');
  }

  /** A heard fact: progress while speaking (only when the heard text grew), the final one at the end. */
  private storeHeard(heardText: string, framesPlayed: number, end?: { final: true; interrupted: boolean }): void {
    if (!end && heardText === this.lastHeardFact) return;
    this.lastHeardFact = heardText;
    const storing = this.options.facts.heard({
      session_id: this.options.sessionId,
      turn_id: this.options.turnId,
      heard_text: heardText,
      frames_played: framesPlayed,
      final: end !== undefined,
      interrupted: end?.interrupted ?? false,
      seq: this.factSeq++,
      marks: { ...this.marks },
      // The final fact says why the answer was not spoken (session-store keeps it with the turn).
      ...(end && this.speechFailure ? { ...this.speechFailure, ...(this.failedProvider ? { error_provider: this.failedProvider.slice(0, 100) } : {}) } : {}),
    });
    this.storing.add(storing);
    void storing.finally(() => this.storing.delete(storing));
  }

  private async playSegment(provider: TtsProvider, sentences: AsyncIterable<string> | Iterable<string>): Promise<void> {
    let ttfbMs: number | undefined;
    const measured = withFirstByteTime(provider, (ms, requestAtMs) => {
      ttfbMs = ms;
      // The first segment's first request is the turn's (an apology after a failure is not).
      if (this.segments.length === 1) {
        this.marks.tts_request ??= requestAtMs;
        this.marks.tts_first_byte ??= requestAtMs + Math.round(ms);
      }
    });
    const pipeline = new SynthesisPipeline({ provider: measured, voice: this.options.agent.voice, deadlines: this.options.agent.deadlines, lookahead: 1 });
    const segment: Segment = { pipeline, provider: provider.name, frames: 0, ttfbMs: () => ttfbMs };
    this.segments.push(segment);
    for await (const frame of segment.pipeline.run(sentences)) {
      // Due when LEAD_FRAMES - 1 frames are left ahead of the listener; released on the shared tick.
      await this.clock.waitUntil(this.playoutEndMs - (LEAD_FRAMES - 1) * FRAME_DURATION_MS, this.stopped.signal);
      // Paused: hold this frame. On resume the listener's buffer has drained, so `publish` re-paces from now.
      while (this.pauseGate && !this.outcome) await this.pauseGate.released;
      if (this.outcome) return;
      this.publish(segment, frame.bytes);
    }
  }

  private publish(segment: Segment, bytes: Uint8Array): void {
    const nowMs = Date.now();
    const seq = this.published;
    this.options.output.publishFrame(this.options.turnId, bytes, seq, nowMs);
    this.published += 1;
    segment.frames += 1;
    this.playoutEndMs = Math.max(this.playoutEndMs, performance.now()) + FRAME_DURATION_MS;
    this.options.metrics.framePublished(segment.provider);
    if (seq > 0 && seq % PROGRESS_EVERY_FRAMES === 0) {
      const played = this.framesPlayed();
      this.storeHeard(this.heardText(played), played);
    }
    if (seq === 0) {
      this.marks.first_frame_published = nowMs;
      const measuredMs = segment.ttfbMs();
      const ttfbMs = measuredMs === undefined ? undefined : Math.round(measuredMs);
      this.options.output.publishTurn({
        turn_id: this.options.turnId,
        state: 'speaking',
        first_audio_at_ms: nowMs,
        tts_ttfb_ms: ttfbMs,
        first_chunk_wait_ms: this.firstChunkWaitMs,
      });
      if (ttfbMs !== undefined) this.options.metrics.ttfb(segment.provider, this.options.agent.agentId, ttfbMs);
    }
  }

  /** Frames published minus those still ahead of real time in the listener's buffer. */
  private framesPlayed(): number {
    const aheadMs = Math.max(0, this.playoutEndMs - performance.now());
    return Math.max(0, this.published - Math.min(LEAD_FRAMES, Math.ceil(aheadMs / FRAME_DURATION_MS)));
  }

  private heardText(framesPlayed: number): string {
    const parts: string[] = [];
    let left = framesPlayed;
    for (const segment of this.segments) {
      if (left <= 0) break;
      const frames = Math.min(left, segment.frames);
      const heard = segment.pipeline.heardText(frames);
      if (heard !== '') parts.push(heard);
      left -= frames;
    }
    return parts.join(' ');
  }

  private logFailure(error: unknown, provider: string): void {
    // The first failure is the one to tell the user about (the apology's own failure follows from it).
    this.failedProvider ??= error instanceof TtsProviderError ? error.provider : provider;
    this.speechFailure ??=
      error instanceof TtsProviderError
        ? { error_code: error.code, error_message: `text-to-speech (${error.provider}) failed: ${error.message}`.slice(0, 1_000) }
        : { error_code: 'internal', error_message: `text-to-speech (${provider}) failed unexpectedly` };
    const fields = { ...this.logFields(), provider };
    if (error instanceof TtsProviderError) {
      this.options.metrics.providerFailed(error.provider, error.code);
      this.options.logger.error('tts provider failed during a turn', { ...fields, code: error.code, status_code: error.details.statusCode, err: error });
    } else {
      this.options.metrics.providerFailed(provider, 'internal');
      this.options.logger.error('tts turn failed unexpectedly', { ...fields, code: 'internal', err: error });
    }
  }

  private logFields(): Record<string, string> {
    return { session_id: this.options.sessionId, turn_id: this.options.turnId, agent_id: this.options.agent.agentId };
  }

  /** Waits, or returns at once when the turn is stopped. */
  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopped.signal.aborted) return Promise.resolve();
    const signal = this.stopped.signal;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** The provider, reporting when its first request went out and how long it took to send its first byte (the turn's TTFB). */
function withFirstByteTime(provider: TtsProvider, report: (ms: number, requestAtMs: number) => void): TtsProvider {
  let first = true;
  return {
    name: provider.name,
    capabilities: provider.capabilities,
    synthesize(request: SynthesisRequest): AsyncIterable<Uint8Array> {
      const stream = provider.synthesize(request);
      if (!first) return stream;
      first = false;
      return timed(stream, report);
    },
  };
}

async function* timed(stream: AsyncIterable<Uint8Array>, report: (ms: number, requestAtMs: number) => void): AsyncGenerator<Uint8Array> {
  const startedMs = performance.now();
  const requestAtMs = Date.now();
  let reported = false;
  for await (const chunk of stream) {
    if (!reported) {
      reported = true;
      report(performance.now() - startedMs, requestAtMs);
    }
    yield chunk;
  }
}
