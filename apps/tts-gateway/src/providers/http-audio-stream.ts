import { Dispatcher, request } from 'undici';
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
  dispatcher?: Dispatcher;
}

const ERROR_BODY_MAX_CHARS = 300;

/**
 * POSTs and yields the response body as it arrives, with every failure turned into a
 * `TtsProviderError`. Leaving the loop early (or aborting) closes the connection.
 */
export async function* streamHttpAudio(call: HttpAudioCall): AsyncGenerator<Uint8Array> {
  if (call.signal.aborted) throw abortedError(call.provider);
  let response: Dispatcher.ResponseData;
  try {
    response = await request(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.body,
      signal: call.signal,
      headersTimeout: call.headersTimeoutMs,
      bodyTimeout: call.bodyTimeoutMs,
      ...(call.dispatcher ? { dispatcher: call.dispatcher } : {}),
    });
  } catch (error) {
    throw transportError(call, error, 'request');
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
  try {
    for await (const chunk of body) {
      yield chunk as Uint8Array;
    }
    finished = true;
  } catch (error) {
    throw transportError(call, error, 'stream');
  } finally {
    if (!finished) body.destroy();
  }
}

function abortedError(provider: string, cause?: unknown): TtsProviderError {
  return new TtsProviderError(TtsErrorCode.Aborted, provider, `${provider} synthesis aborted`, { cause });
}

function transportError(call: HttpAudioCall, error: unknown, phase: 'request' | 'stream'): TtsProviderError {
  if (error instanceof TtsProviderError) return error;
  if (call.signal.aborted) return abortedError(call.provider, error);
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
