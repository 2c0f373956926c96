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

  constructor(
    private readonly provider: string,
    private readonly callerSignal: AbortSignal,
    firstTokenTimeoutMs: number,
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
      throw new LlmProviderError(codeForHttpStatus(response.statusCode), `HTTP ${response.statusCode}: ${describeErrorBody(text)}`, {
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
    if (this.timedOut) return new LlmProviderError(LlmProviderErrorCode.Timeout, 'no first token within the attempt timeout', options);
    const code = errorCode(cause);
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      return new LlmProviderError(LlmProviderErrorCode.Timeout, `provider timed out (${code})`, options);
    }
    const message = cause instanceof Error ? cause.message : String(cause);
    return new LlmProviderError(LlmProviderErrorCode.Unavailable, `connection failed (${code ?? message})`, options);
  }
}

function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
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
