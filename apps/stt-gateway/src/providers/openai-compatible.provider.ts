import { fetch, FormData } from 'undici';
import { assertOpenable, BatchSttStream, whisperLanguage } from './batch-stt-stream';
import { SttError, SttErrorCode } from './stt.errors';
import type { SttCapabilities, SttOpenOptions, SttProvider, SttStream } from './stt-provider';

export interface OpenAiCompatibleSttOptions {
  /** Server root, without `/v1` (`https://api.openai.com`, `http://127.0.0.1:8000`). */
  baseUrl: string;
  /** `whisper-1`, `Systran/faster-whisper-small`, `whisper-large-v3-turbo`, … */
  model: string;
  /** Sent as a bearer token when set; never logged. */
  apiKey?: string;
  /** Per request, including the upload. */
  timeoutMs?: number;
  /** Extra attempts after a network error, 429 or 5xx (transcription is idempotent). */
  retries?: number;
  /** Wait before each retry. */
  retryDelayMs?: number;
}

const NAME = 'openai-compatible';
/** Failures worth another attempt: the network, 429 and 5xx (not a bad key or a wrong URL). */
const RETRYABLE = new WeakSet<SttError>();

/**
 * `POST {base}/v1/audio/transcriptions` with a multipart body: the utterance as a 16 kHz WAV,
 * `model`, `language` and `response_format=json`, answered with `{text}`. Works with OpenAI, Groq,
 * faster-whisper-server and the whisper.cpp server. No partials: the utterance is sent at finalize.
 */
export class OpenAiCompatibleSttProvider implements SttProvider {
  readonly name = NAME;
  readonly capabilities: SttCapabilities = { partials: false, streaming: false };
  private readonly url: string;

  constructor(private readonly options: OpenAiCompatibleSttOptions) {
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/v1/audio/transcriptions`;
  }

  async open(options: SttOpenOptions): Promise<SttStream> {
    assertOpenable(NAME, options);
    const language = whisperLanguage(options.language);
    return new BatchSttStream(NAME, (wav, signal) => this.transcribe(wav, language, signal), { signal: options.signal, finalDeadlineMs: options.finalDeadlineMs });
  }

  private async transcribe(wav: Uint8Array, language: string, signal: AbortSignal): Promise<string> {
    const retries = this.options.retries ?? 1;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.request(wav, language, signal);
      } catch (error) {
        const retryable = error instanceof SttError && RETRYABLE.has(error) && attempt < retries;
        if (!retryable) throw error;
        await delay(this.options.retryDelayMs ?? 200, signal);
      }
    }
  }

  private async request(wav: Uint8Array, language: string, signal: AbortSignal): Promise<string> {
    const timeoutMs = this.options.timeoutMs ?? 15_000;
    const form = new FormData();
    form.append('file', new Blob([wav], { type: 'audio/wav' }), 'utterance.wav');
    form.append('model', this.options.model);
    form.append('language', language);
    form.append('response_format', 'json');
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.apiKey) headers['authorization'] = `Bearer ${this.options.apiKey}`;

    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Awaited<ReturnType<typeof fetch>>;
    let body: string;
    try {
      response = await fetch(this.url, { method: 'POST', body: form, headers, signal: AbortSignal.any([signal, timeout]) });
      body = await response.text();
    } catch (error) {
      if (signal.aborted) throw new SttError(SttErrorCode.Aborted, NAME, 'transcription aborted', { cause: error });
      if (timeout.aborted) throw new SttError(SttErrorCode.Timeout, NAME, `no transcription within ${timeoutMs} ms`, { cause: error });
      throw retryable(new SttError(SttErrorCode.Unavailable, NAME, 'transcription request failed', { cause: error }));
    }
    if (!response.ok) throw statusError(response.status, body);
    return parseText(body);
  }
}

function statusError(status: number, body: string): SttError {
  const detail = `HTTP ${status}: ${body.slice(0, 200)}`;
  if (status === 400 || status === 413 || status === 415 || status === 422) return new SttError(SttErrorCode.BadAudio, NAME, detail);
  if (status === 408 || status === 504) return new SttError(SttErrorCode.Timeout, NAME, detail);
  if (status === 429 || status >= 500) return retryable(new SttError(SttErrorCode.Unavailable, NAME, detail));
  if (status === 401 || status === 403 || status === 404) return new SttError(SttErrorCode.Unavailable, NAME, detail);
  return new SttError(SttErrorCode.Protocol, NAME, detail);
}

function retryable(error: SttError): SttError {
  RETRYABLE.add(error);
  return error;
}

function parseText(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new SttError(SttErrorCode.Protocol, NAME, 'response is not JSON', { cause: error });
  }
  if (typeof parsed === 'object' && parsed !== null && 'text' in parsed && typeof parsed.text === 'string') return parsed.text;
  throw new SttError(SttErrorCode.Protocol, NAME, 'response has no "text" string');
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new SttError(SttErrorCode.Aborted, NAME, 'transcription aborted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
