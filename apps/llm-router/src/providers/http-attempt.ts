import { Agent, Dispatcher, request } from 'undici';
import { codeForHttpStatus, LlmErrorPhase, LlmProviderError, LlmProviderErrorCode } from './llm-provider.errors';
import { describeErrorBody } from './openai-wire';

export interface HttpTimeouts {
  /** TCP (and TLS) connect. */
  connectTimeoutMs: number;
  /** Request sent → response headers. */
  firstByteTimeoutMs: number;
  /** Longest silence between two body chunks (keep-alive comments count). */
  idleTimeoutMs: number;
  /** Request sent → first token, unless the request sets its own `timeoutMs`. */
  firstTokenTimeoutMs: number;
}

export function createDispatcher(timeouts: HttpTimeouts): Agent {
  return new Agent({
    connect: { timeout: timeouts.connectTimeoutMs },
    headersTimeout: timeouts.firstByteTimeoutMs,
    bodyTimeout: timeouts.idleTimeoutMs,
  });
}

export interface OpenedResponse {
  statusCode: number;
  contentType: string;
  body: Dispatcher.ResponseData['body'];
}

/**
 * One HTTP attempt: links the caller's signal to the request, enforces the first-token deadline and
 * turns whatever went wrong into an `LlmProviderError` with the right code and phase.
 */
export class HttpAttempt {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly onCallerAbort = () => this.controller.abort();
  private timedOut = false;
  private firstToken = false;
  private settled = false;
  /** `host:port` of the request (never its path: an n8n webhook's path is its credential). */
  private host = 'the provider';

  constructor(
    private readonly provider: string,
    private readonly callerSignal: AbortSignal,
    private readonly firstTokenTimeoutMs: number,
  ) {
    if (callerSignal.aborted) this.controller.abort();
    else callerSignal.addEventListener('abort', this.onCallerAbort, { once: true });
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, firstTokenTimeoutMs);
  }

  get phase(): LlmErrorPhase {
    return this.firstToken ? 'after_first_token' : 'before_first_token';
  }

  async post(dispatcher: Dispatcher, url: string, headers: Record<string, string>, body: unknown): Promise<OpenedResponse> {
    this.throwIfAborted();
    this.host = hostOf(url);
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: this.controller.signal,
      dispatcher,
    });
    const contentType = headerValue(response.headers['content-type']).toLowerCase();
    if (response.statusCode >= 400) {
      const text = await readLimited(response.body, 16_384);
      throw new LlmProviderError(codeForHttpStatus(response.statusCode), `${this.host} answered HTTP ${response.statusCode}: ${describeErrorBody(text)}`, {
        phase: this.phase,
        provider: this.provider,
        status: response.statusCode,
      });
    }
    return { statusCode: response.statusCode, contentType, body: response.body };
  }

  /** Call when the first text is about to be handed out: the first-token deadline no longer applies. */
  markFirstToken(): void {
    this.firstToken = true;
    clearTimeout(this.timer);
  }

  throwIfAborted(): void {
    if (this.callerSignal.aborted || this.timedOut) throw this.toError(undefined);
  }

  /** The body was read to the end: nothing needs cancelling. */
  /**
   * Runs one streamed attempt: opens the response, passes on what `read` yields; any failure comes
   * out as an LlmProviderError with this attempt's phase; timers and listeners are released either way.
   */
  async *run<T>(
    open: () => Promise<OpenedResponse>,
    read: (response: OpenedResponse) => AsyncGenerator<T, void, undefined>,
  ): AsyncGenerator<T, void, undefined> {
    try {
      yield* read(await open());
      this.markSettled();
    } catch (error) {
      throw this.toError(error);
    } finally {
      this.dispose();
    }
  }

  markSettled(): void {
    this.settled = true;
  }

  /** Always call in `finally`: cancels a request that did not finish (consumer stopped early or failed). */
  dispose(): void {
    clearTimeout(this.timer);
    this.callerSignal.removeEventListener('abort', this.onCallerAbort);
    if (!this.settled) this.controller.abort();
  }

  error(code: LlmProviderErrorCode, message: string, status?: number): LlmProviderError {
    return new LlmProviderError(code, message, { phase: this.phase, provider: this.provider, status });
  }

  toError(cause: unknown): LlmProviderError {
    if (cause instanceof LlmProviderError) return cause;
    const options = { phase: this.phase, provider: this.provider, cause };
    if (this.callerSignal.aborted) return new LlmProviderError(LlmProviderErrorCode.Aborted, 'request aborted by the caller', options);
    if (this.timedOut) {
      return new LlmProviderError(LlmProviderErrorCode.Timeout, `no first token within ${this.firstTokenTimeoutMs} ms (first-token deadline)`, options);
    }
    const code = errorCode(cause);
    switch (code) {
      case 'UND_ERR_CONNECT_TIMEOUT':
        return new LlmProviderError(LlmProviderErrorCode.Timeout, `no connection to ${this.host} in time (connect timeout)`, options);
      case 'UND_ERR_HEADERS_TIMEOUT':
        return new LlmProviderError(LlmProviderErrorCode.Timeout, `${this.host} sent no response headers in time (headers timeout)`, options);
      case 'UND_ERR_BODY_TIMEOUT':
        return new LlmProviderError(LlmProviderErrorCode.Timeout, `${this.host} sent nothing for too long (body idle timeout)`, options);
      case 'ECONNREFUSED':
        return new LlmProviderError(LlmProviderErrorCode.Unavailable, `connection to ${this.host} refused (ECONNREFUSED: nothing listens there)`, options);
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return new LlmProviderError(LlmProviderErrorCode.Unavailable, `host ${this.host} not found (${code})`, options);
      case 'ECONNRESET':
      case 'UND_ERR_SOCKET':
        return new LlmProviderError(LlmProviderErrorCode.Unavailable, `${this.host} closed the connection (${code})`, options);
      default: {
        const message = typeof cause === 'object' && cause !== null && 'message' in cause ? String(cause.message) : String(cause);
        return new LlmProviderError(LlmProviderErrorCode.Unavailable, `connection to ${this.host} failed (${code ?? message})`, options);
      }
    }
  }
}

/**
 * The first system or undici error code in the causes (and an AggregateError's `errors`).
 * Duck-typed: socket errors may come from another realm (Jest), where `instanceof Error` fails.
 */
function errorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0 && seen.size < 16) {
    const current = pending.shift();
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    const { code, cause, errors } = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string') return code;
    pending.push(cause);
    if (Array.isArray(errors)) pending.push(...(errors as unknown[]));
  }
  return undefined;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    // Not a URL: the request itself will fail and say so.
    return 'the provider';
  }
}

function headerValue(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

async function readLimited(body: AsyncIterable<Buffer> & { destroy(): unknown }, maxBytes: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    parts.push(chunk);
    size += chunk.length;
    if (size >= maxBytes) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(parts).toString('utf8');
}
