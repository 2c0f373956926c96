import { Dispatcher, FormData } from 'undici';
import { streamHttpAudio } from './http-audio-stream';
import { joinUrl } from './provider-url';
import { SynthesisRequest, TtsCapabilities, TtsProvider } from './tts-provider';

export interface ChatterboxStreamingOptions {
  /** `streaming_strategy`: `word` (original default), `sentence`, `paragraph`, `fixed`. */
  strategy: string;
  /** `streaming_chunk_size` in characters. */
  chunkSize: number;
  /** `streaming_buffer_size` in chunks. */
  bufferSize: number;
  /** `streaming_quality`: `fast`, `balanced`, `high`. */
  quality: string;
}

export interface ChatterboxProviderOptions {
  /** e.g. `http://chatterbox-tts:4123` (also `…/v1`: kept as given, the server serves both). */
  baseUrl: string;
  /** Voice when the agent has none (`CHATTERBOX_VOICE_ID` in the original). */
  defaultVoice?: string;
  streaming?: Partial<ChatterboxStreamingOptions>;
  /** Until response headers (Chatterbox can queue on a busy GPU). */
  headersTimeoutMs?: number;
  /** Between two body chunks. */
  bodyTimeoutMs?: number;
  dispatcher?: Dispatcher;
}

const DEFAULT_STREAMING: ChatterboxStreamingOptions = { strategy: 'word', chunkSize: 100, bufferSize: 3, quality: 'fast' };

/**
 * Chatterbox TTS API (`POST {base}/audio/speech/stream/upload`), with the form fields the
 * original sent (inventory §3.2) and a streamed WAV back. No health probe before each request:
 * a dead server shows up as `unavailable` on the request itself.
 */
export class ChatterboxProvider implements TtsProvider {
  readonly name = 'chatterbox';
  readonly capabilities: TtsCapabilities = {
    streaming: true,
    offline: false,
    voiceParams: ['voice', 'exaggeration', 'cfgWeight', 'temperature', 'language'],
  };
  private readonly url: URL;
  private readonly streaming: ChatterboxStreamingOptions;

  constructor(private readonly options: ChatterboxProviderOptions) {
    this.url = joinUrl(options.baseUrl, 'audio/speech/stream/upload');
    this.streaming = { ...DEFAULT_STREAMING, ...options.streaming };
  }

  synthesize(request: SynthesisRequest): AsyncIterable<Uint8Array> {
    return streamHttpAudio({
      provider: this.name,
      url: this.url,
      method: 'POST',
      headers: { accept: 'audio/wav' },
      body: this.form(request),
      signal: request.signal,
      deadlines: request.deadlines,
      headersTimeoutMs: this.options.headersTimeoutMs ?? 60_000,
      bodyTimeoutMs: this.options.bodyTimeoutMs ?? 30_000,
      dispatcher: this.options.dispatcher,
    });
  }

  /** The form fields, in wire names. Unset voice parameters are left out (server defaults). */
  form({ text, voice }: SynthesisRequest): FormData {
    const form = new FormData();
    form.set('input', text);
    form.set('response_format', 'wav');
    form.set('voice', voice.voice ?? this.options.defaultVoice ?? 'default');
    if (voice.language !== undefined) form.set('language', voice.language);
    if (voice.exaggeration !== undefined) form.set('exaggeration', String(voice.exaggeration));
    if (voice.cfgWeight !== undefined) form.set('cfg_weight', String(voice.cfgWeight));
    if (voice.temperature !== undefined) form.set('temperature', String(voice.temperature));
    form.set('streaming_strategy', this.streaming.strategy);
    form.set('streaming_chunk_size', String(this.streaming.chunkSize));
    form.set('streaming_buffer_size', String(this.streaming.bufferSize));
    form.set('streaming_quality', this.streaming.quality);
    return form;
  }
}
