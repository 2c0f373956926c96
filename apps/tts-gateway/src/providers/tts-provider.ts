/**
 * The one small interface every text-to-speech provider implements (ARCHITECTURE §6). A provider
 * turns one piece of text into a WAV byte stream; decoding, resampling and framing happen in
 * `synthesis/`, so a provider knows nothing about the bus format.
 */

/** An agent's voice, as the agent stores it (`tts_voice`, `tts_exaggeration`, …). Unset = provider default. */
export interface VoiceParams {
  /** Provider voice id: a Chatterbox predefined voice, an OpenAI voice, a flite/espeak-ng voice. */
  voice?: string;
  /** Chatterbox emotion intensity, 0.25–2.0. */
  exaggeration?: number;
  /** Chatterbox pace/guidance, 0–1 (`cfg_weight` on the wire). */
  cfgWeight?: number;
  /** Chatterbox sampling randomness, 0.05–5.0. */
  temperature?: number;
  /** Language code, e.g. `en`. */
  language?: string;
  /** Speaking-rate factor, 1 = normal. */
  speed?: number;
}

export type VoiceParamName = keyof VoiceParams;

/** How long an HTTP provider may keep the turn waiting (the agent's `deadlines`); unset: DEFAULT_AGENT_DEADLINES. */
export interface AudioDeadlines {
  /** Request sent → first audio byte. */
  firstAudioMs?: number;
  /** Longest gap between two audio chunks. */
  interChunkMs?: number;
}

export interface SynthesisRequest {
  text: string;
  voice: VoiceParams;
  /** Aborting closes the HTTP request or kills the process at once. */
  signal: AbortSignal;
  /** A miss fails the synthesis with `timeout` naming the deadline (HTTP providers; the offline engine has its own limit). */
  deadlines?: AudioDeadlines;
}

export interface TtsCapabilities {
  /** Audio arrives while the provider is still synthesizing (first byte before the last). */
  streaming: boolean;
  /** Works without network or paid service. */
  offline: boolean;
  /** The voice parameters this provider honours; the others are ignored, never sent. */
  voiceParams: readonly VoiceParamName[];
}

export interface TtsProvider {
  /** Short stable id for logs and metrics: `chatterbox`, `openai`, `local:flite`. */
  readonly name: string;
  readonly capabilities: TtsCapabilities;
  /**
   * WAV bytes (RIFF header first; any rate, PCM or float) as they arrive. Rejects with a
   * `TtsProviderError` — also while iterating, when the stream breaks off.
   */
  synthesize(request: SynthesisRequest): AsyncIterable<Uint8Array>;
}
