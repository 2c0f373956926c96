import type { AUDIO_IN_SAMPLE_RATE_HZ } from '@voxbridge/audio';

/** What a provider can do; the pipeline plans around these instead of the provider's name. */
export interface SttCapabilities {
  /** Sends partial transcripts while the user speaks. */
  partials: boolean;
  /** Receives audio while the user speaks (finalize is fast); false: the utterance is sent at finalize. */
  streaming: boolean;
}

export interface SttOpenOptions {
  /** BCP 47 tag or ISO 639-1 code (`en`, `de-DE`); providers send what their API expects. */
  language: string;
  /** `audio.in` rate; the only one streams accept. */
  sampleRateHz: typeof AUDIO_IN_SAMPLE_RATE_HZ;
  /** Aborts the stream: pending work rejects with code `aborted`, connections and processes end. */
  signal?: AbortSignal;
  /** Identifies the stream to providers that want one (WhisperX `userId`); random when absent. */
  streamId?: string;
  /**
   * End of turn (`finalize`) → final transcript, at most (the agent's `deadlines.stt_final_ms`);
   * default DEFAULT_AGENT_DEADLINES.stt_final_ms. A miss rejects `finalize` with `timeout`.
   */
  finalDeadlineMs?: number;
}

export interface PartialTranscript {
  /** The provider's text for the utterance so far (cumulative, not a delta). */
  text: string;
  /** Index of the utterance within the stream (0, 1, …). */
  utterance: number;
}

export interface FinalTranscript {
  text: string;
  /** Index of the utterance within the stream (0, 1, …). */
  utterance: number;
  /** Audio written for this utterance. */
  audioMs: number;
}

/**
 * One stream per session: audio of an utterance goes in with `write`, `finalize` returns its
 * final transcript and clears the per-utterance state, and the next `write` starts the next
 * utterance. Partials arrive through `onPartial` or by iterating the stream (ends at close).
 */
export interface SttStream extends AsyncIterable<PartialTranscript> {
  /** One PCM16 LE mono frame at 16 kHz (any whole number of samples; `audio.in` sends 640 bytes). */
  write(pcm16Frame: Uint8Array): void;
  finalize(): Promise<FinalTranscript>;
  /** Listens to partials; returns the unsubscribe function. */
  onPartial(listener: (partial: PartialTranscript) => void): () => void;
  /** Ends the stream and releases its connection or process; idempotent. */
  close(): Promise<void>;
}

export interface SttProvider {
  /** Stable name used in errors, metrics and config (`whisperx`, `openai-compatible`, `pocketsphinx`). */
  readonly name: string;
  readonly capabilities: SttCapabilities;
  /** Opens a stream; rejects with an `SttError` (`unavailable`, `timeout`, `aborted`). */
  open(options: SttOpenOptions): Promise<SttStream>;
}
