import { AUDIO_OUT_FRAME_BYTES, AUDIO_OUT_SAMPLE_RATE_HZ, BYTES_PER_SAMPLE, bytesOf, durationMs, Framer } from '@voxbridge/audio';
import { AudioDeadlines, TtsProvider, VoiceParams } from '../providers';
import { SentenceJob } from './sentence-job';
import { SpokenTextTimeline } from './spoken-text-timeline';

export interface SynthesisPipelineOptions {
  provider: TtsProvider;
  voice: VoiceParams;
  /** The agent's deadlines, passed with every synthesis request (unset: the provider's defaults). */
  deadlines?: AudioDeadlines;
  /** Sentences synthesized ahead of the one playing (default 1): the next is ready when this one ends. */
  lookahead?: number;
  /** Called once per sentence whose audio has fully arrived, in order. */
  onSentence?: (report: SentenceReport) => void;
  /** Clock in ms (injectable for tests of the reports). */
  now?: () => number;
}

/** Per-sentence measurements. No text: reports go to logs and metrics. */
export interface SentenceReport {
  index: number;
  provider: string;
  charCount: number;
  /** Provider time to first audio byte (`tts_ttfb_ms` for the turn's first sentence). */
  ttfbMs: number | undefined;
  /** Audio produced, at 24 kHz. */
  audioMs: number;
}

export interface SynthesizedFrame {
  /** 960 bytes: 20 ms of 24 kHz mono PCM16 LE. */
  bytes: Uint8Array;
  /** 0, 1, 2 … over the whole turn. */
  sequence: number;
  /** The sentence whose audio completed this frame. */
  sentenceIndex: number;
}

/**
 * Sentences in, `audio.out` frames out, for one turn: each sentence is synthesized while the one
 * before it plays (bounded look-ahead), decoded, resampled to 24 kHz and cut into 20 ms frames;
 * only the turn's very last frame is padded. `abort()` (barge-in) cancels every request or process
 * in flight at once and ends the frame stream; `heardText(n)` says what the listener heard of it.
 */
export class SynthesisPipeline {
  private readonly timeline = new SpokenTextTimeline();
  private readonly lookahead: number;
  private readonly now: () => number;
  private readonly queued: string[] = [];
  private readonly jobs: SentenceJob[] = [];
  private readonly reportList: SentenceReport[] = [];
  private waiters: Array<() => void> = [];
  private sentenceCount = 0;
  private sourceDone = false;
  private sourceError: unknown;
  private aborted = false;
  private started = false;
  /** The task reading the sentence source; it handles its own errors. */
  private feeding: Promise<void> | undefined;

  constructor(private readonly options: SynthesisPipelineOptions) {
    this.lookahead = Math.max(0, options.lookahead ?? 1);
    this.now = options.now ?? (() => performance.now());
  }

  get reports(): readonly SentenceReport[] {
    return this.reportList;
  }

  get isAborted(): boolean {
    return this.aborted;
  }

  /** The words whose audio lies within the first `framesPlayed` frames of this turn. */
  heardText(framesPlayed: number): string {
    return this.timeline.heardText(framesPlayed);
  }

  /** Stops at once: aborts every synthesis in flight; the frame stream ends without another frame. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.queued.length = 0;
    for (const job of this.jobs) job.abort();
    this.notify();
  }

  /**
   * The frames for `sentences` (e.g. a `SentenceChunker`'s output as the LLM streams). Throws the
   * `TtsProviderError` of a sentence that fails, after the frames of the sentences before it.
   * One run per pipeline.
   */
  async *run(sentences: AsyncIterable<string> | Iterable<string>): AsyncGenerator<SynthesizedFrame> {
    if (this.started) throw new Error('SynthesisPipeline.run may be called once');
    this.started = true;
    this.feeding = this.feed(sentences);
    const framer = new Framer(AUDIO_OUT_FRAME_BYTES);
    let sequence = 0;
    let completed = false;
    try {
      while (!this.aborted) {
        const job = this.jobs[0];
        if (!job) {
          if (this.sourceError !== undefined) throw this.sourceError;
          if (this.sourceDone && this.queued.length === 0) break;
          await this.changed();
          continue;
        }
        const samples = job.take();
        if (samples) {
          this.timeline.addSamples(job.index, samples.length);
          for (const bytes of framer.push(bytesOf(samples))) {
            if (this.aborted) return;
            yield { bytes, sequence: sequence++, sentenceIndex: job.index };
          }
          continue;
        }
        if (!job.done) {
          await this.changed();
          continue;
        }
        this.jobs.shift();
        if (job.error) throw job.error;
        this.timeline.complete(job.index);
        this.report(job);
        this.startJobs();
      }
      if (this.aborted) return;
      for (const bytes of framer.flush()) yield { bytes, sequence: sequence++, sentenceIndex: this.sentenceCount - 1 };
      completed = true;
    } finally {
      // Early exit (consumer stopped, a sentence failed): nothing may keep synthesizing.
      if (!completed) this.abort();
    }
  }

  private async feed(sentences: AsyncIterable<string> | Iterable<string>): Promise<void> {
    try {
      for await (const text of sentences) {
        if (this.aborted) return;
        this.queued.push(text);
        this.startJobs();
      }
    } catch (error) {
      this.sourceError = error;
    } finally {
      this.sourceDone = true;
      this.notify();
    }
  }

  /** Starts queued sentences while fewer than 1 + lookahead are in flight or waiting to play. */
  private startJobs(): void {
    while (!this.aborted && this.jobs.length < 1 + this.lookahead) {
      const text = this.queued.shift();
      if (text === undefined) break;
      const index = this.timeline.addSentence(text);
      this.sentenceCount = index + 1;
      this.jobs.push(new SentenceJob(index, text, this.options.provider, this.options.voice, this.now, () => this.notify(), this.options.deadlines));
    }
    this.notify();
  }

  private report(job: SentenceJob): void {
    const report: SentenceReport = {
      index: job.index,
      provider: this.options.provider.name,
      charCount: job.text.length,
      ttfbMs: job.ttfbMs,
      audioMs: durationMs(job.samples * BYTES_PER_SAMPLE, AUDIO_OUT_SAMPLE_RATE_HZ),
    };
    this.reportList.push(report);
    this.options.onSentence?.(report);
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
