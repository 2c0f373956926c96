import { FakeSpeechServer, FakeSpeechServerOptions, RecordedSpeechRequest, SpeechRoute } from './fake-speech-server';

export interface FakeChatterboxServerOptions extends FakeSpeechServerOptions {
  /** Voices the server knows; any other `voice` gets 404 (Chatterbox's "voice not found"). Unset: all. */
  knownVoices?: string[];
}

const SPEECH_PATHS = new Set(['/audio/speech/stream/upload', '/v1/audio/speech/stream/upload']);

/**
 * Chatterbox TTS API as the original used it (inventory §3.2): `POST /audio/speech/stream/upload`
 * (also under `/v1`) with form fields (multipart or urlencoded), answered with a streamed WAV;
 * `GET /health`. Validation errors look like FastAPI's (422 with `detail`).
 */
export class FakeChatterboxServer extends FakeSpeechServer {
  constructor(private readonly chatterbox: FakeChatterboxServerOptions = {}) {
    super(chatterbox);
  }

  static start(options: FakeChatterboxServerOptions = {}): Promise<FakeChatterboxServer> {
    return new FakeChatterboxServer(options).start();
  }

  /** The recorded synthesis requests (health probes and other paths left out). */
  get speechRequests(): RecordedSpeechRequest[] {
    return this.requests.filter((r) => SPEECH_PATHS.has(r.path));
  }

  protected route(request: RecordedSpeechRequest): SpeechRoute {
    if (request.method === 'GET' && request.path === '/health') return { answer: { status: 200, body: { status: 'healthy', model_loaded: true } } };
    if (request.method !== 'POST' || !SPEECH_PATHS.has(request.path)) return { answer: { status: 404, body: { detail: 'Not Found' } } };
    const text = request.fields['input'];
    if (!text) return { answer: { status: 422, body: { detail: [{ loc: ['body', 'input'], msg: 'Field required', type: 'missing' }] } } };
    const voice = request.fields['voice'];
    if (voice && this.chatterbox.knownVoices && !this.chatterbox.knownVoices.includes(voice)) {
      return { answer: { status: 404, body: { detail: `Voice '${voice}' not found` } } };
    }
    const format = request.fields['response_format'] ?? 'wav';
    if (format !== 'wav') return { answer: { status: 422, body: { detail: `fake supports only wav, got ${format}` } } };
    return { text };
  }
}
