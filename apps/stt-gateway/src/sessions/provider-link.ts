import { AUDIO_IN_SAMPLE_RATE_HZ } from '@voxbridge/audio';
import { SttError, SttErrorCode, type FinalTranscript, type PartialTranscript, type SttProvider, type SttStream } from '../providers';

/** One user utterance as the provider sees it. */
export interface UtteranceHandle {
  readonly id: string;
  /** Set once the utterance cannot be transcribed; the owner reports it once. */
  failure?: SttError;
}

export interface ProviderLinkEvents {
  partial(utterance: UtteranceHandle, partial: PartialTranscript): void;
  /** The utterance cannot be transcribed (open or write failed). */
  failed(utterance: UtteranceHandle, error: SttError): void;
}

/** What every stream of the link is opened with (see SttOpenOptions). */
export interface ProviderLinkOptions {
  language: string;
  streamId: string;
  signal: AbortSignal;
  /** End of turn → final transcript, at most (the agent's `deadlines.stt_final_ms`). */
  finalDeadlineMs?: number;
}

/**
 * Frames written to the provider in one piece (60 ms): a socket write per 20 ms frame per session
 * was the gateway's largest cost. The utterance's final is asked for only after its last piece, so
 * only partial transcripts can come up to 40 ms later for it.
 */
export const FRAMES_PER_WRITE = 3;

/**
 * The provider stream of one session, opened lazily at the first utterance and reopened after a
 * failure. Operations wait (in order) while the stream opens, so the utterance's first frames and
 * its finalize are never lost or reordered; `finalize` is not awaited before the next utterance's
 * frames, because every provider keeps the next utterance apart from the one finalizing.
 */
export class ProviderLink {
  private stream: SttStream | undefined;
  private opening = false;
  private queued: { utterance: UtteranceHandle; run: (stream: SttStream) => void; onFail?: (error: SttError) => void }[] = [];
  /** Utterances begun on the current stream, by the provider's utterance index. */
  private onStream: UtteranceHandle[] = [];
  private closed = false;
  /** Frames of one utterance not written yet (see FRAMES_PER_WRITE). */
  private batch: { stream: SttStream; utterance: UtteranceHandle; frames: Uint8Array[]; bytes: number } | undefined;

  constructor(
    private readonly provider: SttProvider,
    private readonly options: ProviderLinkOptions,
    private readonly events: ProviderLinkEvents,
  ) {}

  get providerName(): string {
    return this.provider.name;
  }

  /** Starts an utterance with the audio captured since its first voiced frame (pre-roll). */
  begin(utterance: UtteranceHandle, preRoll: Uint8Array[]): void {
    this.run(utterance, (stream) => {
      this.onStream.push(utterance);
      preRoll.forEach((frame) => this.write(stream, utterance, frame, false));
      // The pre-roll goes out at once, in one piece: the provider can start on it.
      this.flushBatch();
    });
  }

  push(utterance: UtteranceHandle, frame: Uint8Array): void {
    this.run(utterance, (stream) => this.write(stream, utterance, frame));
  }

  /** The final transcript of the utterance; rejects with an SttError. */
  finish(utterance: UtteranceHandle): Promise<FinalTranscript> {
    return new Promise((resolve, reject) => {
      this.run(
        utterance,
        (stream) => {
          this.flushBatch();
          if (utterance.failure) return reject(utterance.failure);
          stream.finalize().then(resolve, (error: unknown) => {
            const failure = asSttError(this.provider.name, error);
            // A closed stream is gone for good: the next utterance opens a new one.
            if (failure.code === SttErrorCode.Aborted) this.forget(stream);
            reject(failure);
          });
        },
        reject,
      );
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.batch = undefined;
    const aborted = new SttError(SttErrorCode.Aborted, this.provider.name, 'the session stopped');
    this.queued.forEach((q) => q.onFail?.(aborted));
    this.queued = [];
    const stream = this.stream;
    this.stream = undefined;
    await stream?.close();
  }

  private run(utterance: UtteranceHandle, op: (stream: SttStream) => void, onFail?: (error: SttError) => void): void {
    if (utterance.failure) return onFail?.(utterance.failure);
    if (this.closed) return onFail?.(new SttError(SttErrorCode.Aborted, this.provider.name, 'the session stopped'));
    if (this.stream) return op(this.stream);
    this.queued.push({ utterance, run: op, onFail });
    if (!this.opening) void this.open();
  }

  private async open(): Promise<void> {
    this.opening = true;
    try {
      const stream = await this.provider.open({ ...this.options, sampleRateHz: AUDIO_IN_SAMPLE_RATE_HZ });
      if (this.closed) return void (await stream.close());
      this.stream = stream;
      this.onStream = [];
      stream.onPartial((partial) => {
        const utterance = this.onStream[partial.utterance];
        if (utterance && !utterance.failure) this.events.partial(utterance, partial);
      });
      const queued = this.queued;
      this.queued = [];
      for (const q of queued) {
        if (this.stream === stream) q.run(stream);
        else this.run(q.utterance, q.run, q.onFail); // a write failed meanwhile: reopen for the rest
      }
    } catch (error) {
      const failure = asSttError(this.provider.name, error);
      const queued = this.queued;
      this.queued = [];
      for (const { utterance, onFail } of queued) {
        this.fail(utterance, failure);
        onFail?.(failure);
      }
    } finally {
      this.opening = false;
    }
  }

  /** Adds the frame to the utterance's next piece; a full piece (or another utterance's frame) writes it. */
  private write(stream: SttStream, utterance: UtteranceHandle, frame: Uint8Array, writeWhenFull = true): void {
    if (utterance.failure) return;
    if (this.batch && (this.batch.stream !== stream || this.batch.utterance !== utterance)) this.flushBatch();
    this.batch ??= { stream, utterance, frames: [], bytes: 0 };
    this.batch.frames.push(frame);
    this.batch.bytes += frame.byteLength;
    if (writeWhenFull && this.batch.frames.length >= FRAMES_PER_WRITE) this.flushBatch();
  }

  private flushBatch(): void {
    const batch = this.batch;
    this.batch = undefined;
    if (!batch || batch.utterance.failure || this.stream !== batch.stream) return;
    let piece = batch.frames[0] as Uint8Array;
    if (batch.frames.length > 1) {
      piece = new Uint8Array(batch.bytes);
      let offset = 0;
      for (const frame of batch.frames) {
        piece.set(frame, offset);
        offset += frame.byteLength;
      }
    }
    try {
      batch.stream.write(piece);
    } catch (error) {
      this.forget(batch.stream);
      this.fail(batch.utterance, asSttError(this.provider.name, error));
    }
  }

  private fail(utterance: UtteranceHandle, error: SttError): void {
    if (utterance.failure) return;
    utterance.failure = error;
    this.events.failed(utterance, error);
  }

  private forget(stream: SttStream): void {
    if (this.stream !== stream) return;
    if (this.batch?.stream === stream) this.batch = undefined;
    this.stream = undefined;
    this.onStream = [];
    void stream.close();
  }
}

function asSttError(provider: string, error: unknown): SttError {
  if (error instanceof SttError) return error;
  return new SttError(SttErrorCode.Protocol, provider, error instanceof Error ? error.message : 'unexpected failure', { cause: error });
}
