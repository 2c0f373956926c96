import { encodeWav } from '@voxbridge/audio';
import { Dispatcher } from 'undici';
import { streamHttpAudio } from './http-audio-stream';
import { joinUrl } from './provider-url';
import { SynthesisRequest, TtsCapabilities, TtsProvider } from './tts-provider';

export interface OpenAiSpeechProviderOptions {
  /** `https://api.openai.com` or `…/v1` (no doubled `/v1`), or any compatible server. */
  baseUrl: string;
  /** Secret: sent as a bearer token, never logged. */
  apiKey?: string;
  model?: string;
  defaultVoice?: string;
  /**
   * `wav` (default), or `pcm`: raw PCM16 LE mono at `pcmSampleRateHz` (OpenAI: 24000), which
   * streams without a header; it is wrapped in a streaming WAV header so callers see one format.
   */
  responseFormat?: 'wav' | 'pcm';
  pcmSampleRateHz?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  dispatcher?: Dispatcher;
}

/** OpenAI-compatible `POST {base}/v1/audio/speech` (OpenAI, Kokoro-FastAPI, openedai-speech, …). */
export class OpenAiSpeechProvider implements TtsProvider {
  readonly name = 'openai';
  readonly capabilities: TtsCapabilities = { streaming: true, offline: false, voiceParams: ['voice', 'speed'] };
  private readonly url: URL;

  constructor(private readonly options: OpenAiSpeechProviderOptions) {
    this.url = joinUrl(options.baseUrl, 'v1/audio/speech', { skipLeadingSegment: true });
  }

  synthesize(request: SynthesisRequest): AsyncIterable<Uint8Array> {
    const format = this.options.responseFormat ?? 'wav';
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: format === 'wav' ? 'audio/wav' : 'audio/pcm' };
    if (this.options.apiKey) headers['authorization'] = `Bearer ${this.options.apiKey}`;
    const bytes = streamHttpAudio({
      provider: this.name,
      url: this.url,
      method: 'POST',
      headers,
      body: JSON.stringify(this.body(request)),
      signal: request.signal,
      deadlines: request.deadlines,
      headersTimeoutMs: this.options.headersTimeoutMs ?? 30_000,
      bodyTimeoutMs: this.options.bodyTimeoutMs ?? 30_000,
      dispatcher: this.options.dispatcher,
    });
    return format === 'wav' ? bytes : withWavHeader(bytes, this.options.pcmSampleRateHz ?? 24_000);
  }

  body({ text, voice }: SynthesisRequest): Record<string, string | number> {
    const body: Record<string, string | number> = {
      model: this.options.model ?? 'tts-1',
      input: text,
      voice: voice.voice ?? this.options.defaultVoice ?? 'alloy',
      response_format: this.options.responseFormat ?? 'wav',
    };
    if (voice.speed !== undefined) body['speed'] = voice.speed;
    return body;
  }
}

async function* withWavHeader(pcm: AsyncIterable<Uint8Array>, sampleRateHz: number): AsyncGenerator<Uint8Array> {
  const header = encodeWav(new Int16Array(0), sampleRateHz);
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  // Unknown length: the streaming convention the WAV decoder reads as "until the end".
  view.setUint32(4, 0xffffffff, true);
  view.setUint32(40, 0xffffffff, true);
  let first = true;
  for await (const chunk of pcm) {
    if (first) yield header;
    first = false;
    yield chunk;
  }
}
