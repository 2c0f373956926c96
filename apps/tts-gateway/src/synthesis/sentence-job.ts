import { AUDIO_OUT_SAMPLE_RATE_HZ, Resampler, WavError, WavStreamDecoder } from '@voxbridge/audio';
import { AudioDeadlines, TtsErrorCode, TtsProvider, TtsProviderError, VoiceParams } from '../providers';

/**
 * One sentence being synthesized: pulls the provider's WAV stream as fast as it comes, decodes
 * and resamples it to 24 kHz and holds the PCM until the pipeline plays it.
 */
export class SentenceJob {
  readonly controller = new AbortController();
  /** Provider time to first audio byte, once known. */
  ttfbMs: number | undefined;
  error: TtsProviderError | undefined;
  done = false;
  /** 24 kHz samples decoded so far. */
  samples = 0;
  private readonly pending: Int16Array[] = [];
  /** Settles (never rejects) when the provider stream has ended; kept so the work is never floating. */
  readonly finished: Promise<void>;

  constructor(
    readonly index: number,
    readonly text: string,
    private readonly provider: TtsProvider,
    private readonly voice: VoiceParams,
    private readonly now: () => number,
    private readonly onChange: () => void,
    /** The agent's first-audio / inter-chunk deadlines (unset: the provider's defaults). */
    private readonly deadlines?: AudioDeadlines,
  ) {
    this.finished = this.pump();
  }

  /** The next decoded 24 kHz samples, if any arrived. */
  take(): Int16Array | undefined {
    return this.pending.shift();
  }

  abort(): void {
    this.controller.abort();
  }

  private async pump(): Promise<void> {
    const startedMs = this.now();
    const decoder = new WavStreamDecoder();
    let resampler: Resampler | undefined;
    try {
      for await (const bytes of this.provider.synthesize({ text: this.text, voice: this.voice, signal: this.controller.signal, deadlines: this.deadlines })) {
        this.ttfbMs ??= this.now() - startedMs;
        const samples = decoder.push(bytes);
        if (decoder.format && !resampler) resampler = new Resampler(decoder.format.sampleRateHz, AUDIO_OUT_SAMPLE_RATE_HZ);
        if (resampler && samples.length > 0) this.enqueue(resampler.push(samples));
      }
      if (!resampler) throw new TtsProviderError(TtsErrorCode.Protocol, this.provider.name, `${this.provider.name} sent no WAV audio`);
      this.enqueue(resampler.flush());
    } catch (error) {
      this.error = this.asProviderError(error);
    } finally {
      this.done = true;
      this.onChange();
    }
  }

  private enqueue(samples: Int16Array): void {
    if (samples.length === 0) return;
    this.samples += samples.length;
    this.pending.push(samples);
    this.onChange();
  }

  private asProviderError(error: unknown): TtsProviderError {
    if (error instanceof TtsProviderError) return error;
    if (this.controller.signal.aborted) return new TtsProviderError(TtsErrorCode.Aborted, this.provider.name, 'synthesis aborted', { cause: error });
    const what = error instanceof WavError ? `${this.provider.name} sent audio that is not a usable WAV` : `${this.provider.name} stream failed`;
    return new TtsProviderError(TtsErrorCode.Protocol, this.provider.name, `${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
