import { AUDIO_IN_SAMPLE_RATE_HZ, durationMs, encodeWav, samplesOf } from '@voxbridge/audio';
import { DEFAULT_AGENT_DEADLINES } from '@voxbridge/contracts';
import { PartialFeed } from './partial-feed';
import { SttError, SttErrorCode } from './stt.errors';
import type { FinalTranscript, PartialTranscript, SttOpenOptions, SttStream } from './stt-provider';

/** Transcribes one utterance (a 16 kHz PCM16 mono WAV); rejects with an SttError. */
export type TranscribeWav = (wav: Uint8Array, signal: AbortSignal) => Promise<string>;

/** Rejects what is not PCM16 (an odd number of bytes) before it reaches a provider. */
export function assertPcm16Frame(provider: string, frame: Uint8Array): void {
  if (frame.byteLength % 2 !== 0) {
    throw new SttError(SttErrorCode.BadAudio, provider, `PCM16 frames need an even number of bytes, got ${frame.byteLength}`);
  }
}

/** Checks what every provider requires of `open`: 16 kHz and a signal not yet aborted. */
export function assertOpenable(provider: string, options: SttOpenOptions): void {
  if (options.sampleRateHz !== AUDIO_IN_SAMPLE_RATE_HZ) {
    throw new SttError(SttErrorCode.BadAudio, provider, `streams take ${AUDIO_IN_SAMPLE_RATE_HZ} Hz audio, got ${String(options.sampleRateHz)}`);
  }
  if (options.signal?.aborted) throw new SttError(SttErrorCode.Aborted, provider, 'aborted before open');
}

/** ISO 639-1 code of a language tag (`de-DE` → `de`), as Whisper-family APIs expect. */
export function whisperLanguage(tag: string): string {
  return (tag.split(/[-_]/)[0] ?? tag).toLowerCase();
}

/** Runs `fire` after `ms`; the returned function cancels it. Injected in tests (no real time). */
export type Schedule = (ms: number, fire: () => void) => () => void;

const realSchedule: Schedule = (ms, fire) => {
  const timer = setTimeout(fire, ms);
  return () => clearTimeout(timer);
};

export interface BatchSttStreamOptions {
  signal?: AbortSignal;
  /** End of turn → final text (the agent's `stt_final_ms`); the utterance's duration is added (see below). */
  finalDeadlineMs?: number;
  schedule?: Schedule;
}

/**
 * A stream for providers that transcribe whole utterances (no partials): frames are buffered and
 * sent as one WAV at `finalize`, which then clears the buffer for the next utterance.
 *
 * Final deadline: a batch provider only starts on the utterance at the end of the turn, so it gets
 * the final deadline (default DEFAULT_AGENT_DEADLINES.stt_final_ms) plus the utterance's own
 * duration — a slow but working offline engine is not cut off, a stalled server is. A miss aborts
 * that utterance's request or process and rejects with `timeout` naming the deadline; the next
 * utterance is not held up.
 */
export class BatchSttStream implements SttStream {
  private chunks: Uint8Array[] = [];
  private sizeBytes = 0;
  private utterance = 0;
  private closed = false;
  private readonly partials = new PartialFeed();
  private readonly closing = new AbortController();
  private readonly signal: AbortSignal;

  private readonly finalDeadlineMs: number;
  private readonly schedule: Schedule;

  constructor(
    private readonly provider: string,
    private readonly transcribe: TranscribeWav,
    options: BatchSttStreamOptions = {},
  ) {
    this.signal = options.signal ? AbortSignal.any([options.signal, this.closing.signal]) : this.closing.signal;
    this.finalDeadlineMs = options.finalDeadlineMs ?? DEFAULT_AGENT_DEADLINES.stt_final_ms;
    this.schedule = options.schedule ?? realSchedule;
  }

  write(pcm16Frame: Uint8Array): void {
    this.assertUsable();
    assertPcm16Frame(this.provider, pcm16Frame);
    this.chunks.push(pcm16Frame.slice());
    this.sizeBytes += pcm16Frame.byteLength;
  }

  async finalize(): Promise<FinalTranscript> {
    this.assertUsable();
    const samples = this.takeUtterance();
    const utterance = this.utterance++;
    const audioMs = durationMs(samples.byteLength, AUDIO_IN_SAMPLE_RATE_HZ);
    if (samples.length === 0) return { text: '', utterance, audioMs };
    const deadlineMs = this.finalDeadlineMs + Math.round(audioMs);
    const missed = new AbortController();
    const cancel = this.schedule(deadlineMs, () => missed.abort());
    try {
      const text = await this.transcribe(encodeWav(samples, AUDIO_IN_SAMPLE_RATE_HZ), AbortSignal.any([this.signal, missed.signal]));
      return { text: text.trim(), utterance, audioMs };
    } catch (error) {
      if (missed.signal.aborted && !this.signal.aborted) {
        throw new SttError(SttErrorCode.Timeout, this.provider, `no final transcript within ${deadlineMs} ms of the end of the turn (final deadline)`, { cause: error });
      }
      throw error;
    } finally {
      cancel();
    }
  }

  onPartial(listener: (partial: PartialTranscript) => void): () => void {
    return this.partials.subscribe(listener);
  }

  [Symbol.asyncIterator](): AsyncIterator<PartialTranscript> {
    return this.partials[Symbol.asyncIterator]();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.chunks = [];
    this.closing.abort();
    this.partials.end();
  }

  private assertUsable(): void {
    if (this.closed || this.signal.aborted) throw new SttError(SttErrorCode.Aborted, this.provider, 'the stream is closed or aborted');
  }

  private takeUtterance(): Int16Array {
    const bytes = new Uint8Array(this.sizeBytes);
    let offset = 0;
    for (const chunk of this.chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    this.chunks = [];
    this.sizeBytes = 0;
    return samplesOf(bytes);
  }
}
