import { DEFAULT_AGENT_DEADLINES } from '@voxbridge/contracts';
import { Dispatcher, request } from 'undici';
import type { AudioDeadlines } from './tts-provider';
import { codeForStatus, TtsErrorCode, TtsProviderError } from './tts-provider.errors';

export interface HttpAudioCall {
  provider: string;
  url: URL;
  method: 'POST';
  headers: Record<string, string>;
  body: NonNullable<Dispatcher.RequestOptions['body']>;
  signal: AbortSignal;
  /** No response headers within this → `timeout`. */
  headersTimeoutMs: number;
  /** No next body byte within this → `timeout`. */
  bodyTimeoutMs: number;
  /** First-audio and inter-chunk deadlines (the agent's); defaults DEFAULT_AGENT_DEADLINES. */
  deadlines?: AudioDeadlines;
  dispatcher?: Dispatcher;
}

const ERROR_BODY_MAX_CHARS = 300;

/**
 * POSTs and yields the response body as it arrives, with every failure turned into a
 * `TtsProviderError`. Leaving the loop early (or aborting) closes the connection. Two deadlines
 * count only the time spent waiting on the provider (not while the caller holds a chunk): request
 * → first audio byte, and the gap between two chunks; a miss closes the request and fails with
 * `timeout` naming the deadline, so the turn's apology follows at once.
 */
export async function* streamHttpAudio(call: HttpAudioCall): AsyncGenerator<Uint8Array> {
  if (call.signal.aborted) throw abortedError(call.provider);
  const firstAudioMs = call.deadlines?.firstAudioMs ?? DEFAULT_AGENT_DEADLINES.tts_first_audio_ms;
  const interChunkMs = call.deadlines?.interChunkMs ?? DEFAULT_AGENT_DEADLINES.tts_inter_chunk_ms;
  const deadline = new WaitDeadline(call.signal);
  try {
    yield* streamWithin(call, deadline, firstAudioMs, interChunkMs);
  } finally {
    deadline.dispose();
  }
}

/** One timer over the waits on the provider; a miss aborts the request and is remembered for the error. */
class WaitDeadline {
  readonly controller = new AbortController();
  missed: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly onCallerAbort = () => this.controller.abort();

  constructor(private readonly callerSignal: AbortSignal) {
    callerSignal.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  arm(ms: number, what: string): void {
    this.pause();
    this.timer = setTimeout(() => {
      this.missed = what;
      this.controller.abort();
    }, ms);
  }

  pause(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.pause();
    this.callerSignal.removeEventListener('abort', this.onCallerAbort);
  }
}

async function* streamWithin(call: HttpAudioCall, deadline: WaitDeadline, firstAudioMs: number, interChunkMs: number): AsyncGenerator<Uint8Array> {
  deadline.arm(firstAudioMs, `sent no audio within ${firstAudioMs} ms of the request (first-audio deadline)`);
  let response: Dispatcher.ResponseData;
  try {
    response = await request(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.body,
      signal: deadline.controller.signal,
      headersTimeout: call.headersTimeoutMs,
      bodyTimeout: call.bodyTimeoutMs,
      ...(call.dispatcher ? { dispatcher: call.dispatcher } : {}),
    });
  } catch (error) {
    throw transportError(call, error, 'request', deadline.missed);
  }
  const { statusCode, headers, body } = response;
  if (statusCode < 200 || statusCode > 299) {
    const detail = await readErrorBody(body);
    throw new TtsProviderError(codeForStatus(statusCode), call.provider, `${call.provider} answered HTTP ${statusCode}${detail ? `: ${detail}` : ''}`, { statusCode });
  }
  const contentType = String(headers['content-type'] ?? '').toLowerCase();
  if (contentType.startsWith('application/json') || contentType.startsWith('text/')) {
    body.destroy();
    throw new TtsProviderError(TtsErrorCode.Protocol, call.provider, `${call.provider} answered ${contentType} instead of audio`, { statusCode });
  }
  let finished = false;
  let bytes = 0;
  try {
    for await (const chunk of body) {
      const audio = chunk as Uint8Array;
      bytes += audio.byteLength;
      // The caller's time with the chunk is not the provider's: the clock stops while it holds it.
      deadline.pause();
      yield audio;
      deadline.arm(interChunkMs, `stalled: no audio for ${interChunkMs} ms after ${bytes} bytes (inter-chunk deadline)`);
    }
    finished = true;
  } catch (error) {
    throw transportError(call, error, 'stream', deadline.missed);
  } finally {
    deadline.pause();
    if (!finished) body.destroy();
  }
}

function abortedError(provider: string, cause?: unknown): TtsProviderError {
  return new TtsProviderError(TtsErrorCode.Aborted, provider, `${provider} synthesis aborted`, { cause });
}

function transportError(call: HttpAudioCall, error: unknown, phase: 'request' | 'stream', missed: string | undefined): TtsProviderError {
  if (error instanceof TtsProviderError) return error;
  if (call.signal.aborted) return abortedError(call.provider, error);
  if (missed) return new TtsProviderError(TtsErrorCode.Timeout, call.provider, `${call.provider} ${missed}`, { cause: error });
  const code = errorCode(error);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new TtsProviderError(TtsErrorCode.Timeout, call.provider, `${call.provider} timed out (${code})`, { cause: error });
  }
  const what = phase === 'request' ? 'could not be reached' : 'broke off the audio stream';
  return new TtsProviderError(TtsErrorCode.Unavailable, call.provider, `${call.provider} ${what} (${code ?? 'unknown error'})`, { cause: error });
}

/** `code` of an undici / Node error, or of its cause (connect errors come wrapped). */
function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 3; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

async function readErrorBody(body: Dispatcher.ResponseData['body']): Promise<string> {
  try {
    const text = await body.text();
    return text.slice(0, ERROR_BODY_MAX_CHARS).replace(/\s+/g, ' ').trim();
  } catch (error) {
    // The status already says what went wrong; a body we cannot read adds nothing.
    return error instanceof Error ? `(body unreadable: ${error.message})` : '';
  }
}
