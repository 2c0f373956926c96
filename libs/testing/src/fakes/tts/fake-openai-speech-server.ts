import { FakeSpeechServer, FakeSpeechServerOptions, RecordedSpeechRequest, SpeechRoute } from './fake-speech-server';

export interface FakeOpenAiSpeechServerOptions extends FakeSpeechServerOptions {
  /** When set, requests need `Authorization: Bearer <apiKey>` (else 401). */
  apiKey?: string;
}

/** OpenAI's `pcm` format: PCM16 LE mono at a fixed 24 kHz. */
export const OPENAI_PCM_SAMPLE_RATE_HZ = 24_000;

/**
 * OpenAI-compatible `POST /v1/audio/speech` with a JSON body `{model, input, voice,
 * response_format, speed}`; answers `wav` as a streamed WAV and `pcm` as raw 24 kHz PCM16.
 */
export class FakeOpenAiSpeechServer extends FakeSpeechServer {
  constructor(private readonly openai: FakeOpenAiSpeechServerOptions = {}) {
    super(openai);
  }

  static start(options: FakeOpenAiSpeechServerOptions = {}): Promise<FakeOpenAiSpeechServer> {
    return new FakeOpenAiSpeechServer(options).start();
  }

  protected route(request: RecordedSpeechRequest): SpeechRoute {
    if (request.method !== 'POST' || request.path !== '/v1/audio/speech') return { answer: { status: 404, body: invalid('Not found') } };
    if (this.openai.apiKey && request.headers['authorization'] !== `Bearer ${this.openai.apiKey}`) {
      return { answer: { status: 401, body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } } } };
    }
    const body = request.json;
    if (!body || typeof body['input'] !== 'string' || body['input'] === '') return { answer: { status: 400, body: invalid("'input' is required") } };
    if (typeof body['model'] !== 'string') return { answer: { status: 400, body: invalid("'model' is required") } };
    const format = body['response_format'] ?? 'mp3';
    if (format !== 'wav' && format !== 'pcm') return { answer: { status: 400, body: invalid(`fake supports wav and pcm, got ${String(format)}`) } };
    return format === 'pcm' ? { text: body['input'], format: 'pcm', sampleRateHz: OPENAI_PCM_SAMPLE_RATE_HZ } : { text: body['input'] };
  }
}

function invalid(message: string): { error: { message: string; type: string } } {
  return { error: { message, type: 'invalid_request_error' } };
}
