import { CircuitBreakerRegistry } from './circuit-breaker';
import { ChatMessage, LlmChunk, LlmProvider } from './llm-provider';
import { LlmProviderError, LlmProviderErrorCode } from './llm-provider.errors';

export interface FallbackEntry {
  provider: LlmProvider;
  /** The model for this provider (the original wrongly reused the primary's model name). */
  model: string;
  /** First-token deadline of one attempt on this entry. */
  timeoutMs?: number;
  /** Extra attempts on this entry for transient failures before moving on (default 0). */
  retries?: number;
}

export interface FallbackChainOptions {
  breakers: CircuitBreakerRegistry;
  /** Default first-token deadline per attempt. */
  attemptTimeoutMs?: number;
  /** Pause before retrying the same entry. */
  retryDelayMs?: number;
  /** Monotonic milliseconds; injected in tests. */
  now?: () => number;
}

export interface FallbackRequest {
  messages: readonly ChatMessage[];
  temperature: number;
  maxTokens?: number;
  sessionId?: string;
  caller?: { userId?: string; userName?: string; agentName?: string };
  signal: AbortSignal;
}

export interface FailedAttempt {
  provider: string;
  endpoint: string;
  model: string;
  code: LlmProviderErrorCode;
  /** From the start of the chain to the failure. */
  elapsedMs: number;
}

/** Emitted once, just before the first delta: who is answering and how long the first token took. */
export interface AnsweredBy {
  type: 'answered_by';
  provider: string;
  endpoint: string;
  model: string;
  /** Chain start → first token, failed attempts included (`llm_ttft_ms`). */
  ttftMs: number;
  failedAttempts: FailedAttempt[];
}

export type FallbackChunk = LlmChunk | AnsweredBy;

/** Every entry failed before its first token (or was skipped); `code` is the last failure's. */
export class LlmFallbackExhaustedError extends LlmProviderError {
  constructor(
    readonly attempts: FailedAttempt[],
    last: LlmProviderError | undefined,
  ) {
    const code = last?.code ?? LlmProviderErrorCode.Unavailable;
    super(code, `no LLM provider answered (${attempts.map((a) => `${a.provider}/${a.model}: ${a.code}`).join(', ') || 'no entries'})`, {
      phase: 'before_first_token',
      provider: last?.provider,
      cause: last,
    });
    this.name = 'LlmFallbackExhaustedError';
  }
}

/** Failures that say nothing about the endpoint's health. */
const NOT_THE_ENDPOINTS_FAULT = new Set([LlmProviderErrorCode.Aborted, LlmProviderErrorCode.BadRequest, LlmProviderErrorCode.CircuitOpen]);

/**
 * Tries the entries in order. Before the first token any failure (except the caller's abort) moves
 * on — the same entry first if it is transient and retries are left. Once a token has gone out, a
 * failure ends the stream with that error: restarting elsewhere would repeat words.
 */
export class FallbackChain {
  private readonly now: () => number;

  constructor(
    private readonly entries: readonly FallbackEntry[],
    private readonly options: FallbackChainOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
  }

  async *stream(request: FallbackRequest): AsyncGenerator<FallbackChunk, void, undefined> {
    const startedAtMs = this.now();
    const failed: FailedAttempt[] = [];
    let lastError: LlmProviderError | undefined;

    for (const entry of this.entries) {
      const breaker = this.options.breakers.for(entry.provider.endpoint);
      for (let attempt = 0; attempt <= (entry.retries ?? 0); attempt++) {
        throwIfAborted(request.signal, entry.provider.name);
        const record = (code: LlmProviderErrorCode) =>
          failed.push({ provider: entry.provider.name, endpoint: entry.provider.endpoint, model: entry.model, code, elapsedMs: this.now() - startedAtMs });

        if (!breaker.tryAcquire()) {
          lastError = new LlmProviderError(LlmProviderErrorCode.CircuitOpen, `circuit open for ${entry.provider.name}`, {
            phase: 'before_first_token',
            provider: entry.provider.name,
          });
          record(lastError.code);
          break;
        }

        const stream = entry.provider.stream({ ...request, model: entry.model, timeoutMs: entry.timeoutMs ?? this.options.attemptTimeoutMs });
        const iterator = stream[Symbol.asyncIterator]();
        let first: LlmChunk;
        try {
          first = await firstDelta(iterator, entry.provider.name);
        } catch (error) {
          const failure = asProviderError(error, entry.provider.name);
          await iterator.return?.();
          if (NOT_THE_ENDPOINTS_FAULT.has(failure.code)) breaker.release();
          else breaker.recordFailure();
          if (failure.code === LlmProviderErrorCode.Aborted) throw failure;
          record(failure.code);
          lastError = failure;
          if (!failure.retryable || attempt === (entry.retries ?? 0)) break;
          await delay(this.options.retryDelayMs ?? 0, request.signal);
          continue;
        }

        breaker.recordSuccess();
        yield {
          type: 'answered_by',
          provider: entry.provider.name,
          endpoint: entry.provider.endpoint,
          model: entry.model,
          ttftMs: this.now() - startedAtMs,
          failedAttempts: failed,
        };
        yield* this.rest(first, iterator, entry, breaker);
        return;
      }
    }
    throw new LlmFallbackExhaustedError(failed, lastError);
  }

  private async *rest(
    first: LlmChunk,
    iterator: AsyncIterator<LlmChunk>,
    entry: FallbackEntry,
    breaker: ReturnType<CircuitBreakerRegistry['for']>,
  ): AsyncGenerator<LlmChunk, void, undefined> {
    let done = false;
    try {
      yield first;
      for (;;) {
        let next: IteratorResult<LlmChunk>;
        try {
          next = await iterator.next();
        } catch (error) {
          const failure = asProviderError(error, entry.provider.name, 'after_first_token');
          if (!NOT_THE_ENDPOINTS_FAULT.has(failure.code)) breaker.recordFailure();
          done = true;
          throw failure;
        }
        if (next.done) {
          done = true;
          return;
        }
        yield next.value;
      }
    } finally {
      // The consumer stopped early: close the provider's stream (and its HTTP request).
      if (!done) await iterator.return?.();
    }
  }
}

/** Reads up to the first non-empty delta; an answer that finishes empty counts as a failure. */
async function firstDelta(iterator: AsyncIterator<LlmChunk>, provider: string): Promise<LlmChunk> {
  for (;;) {
    const next = await iterator.next();
    if (next.done || next.value.type === 'finish') {
      throw new LlmProviderError(LlmProviderErrorCode.Protocol, 'empty answer', { phase: 'before_first_token', provider });
    }
    if (next.value.text) return next.value;
  }
}

function asProviderError(error: unknown, provider: string, phase: 'before_first_token' | 'after_first_token' = 'before_first_token'): LlmProviderError {
  if (error instanceof LlmProviderError) return error;
  return new LlmProviderError(LlmProviderErrorCode.Unavailable, 'provider failed unexpectedly', { phase, provider, cause: error });
}

function throwIfAborted(signal: AbortSignal, provider: string): void {
  if (signal.aborted) throw new LlmProviderError(LlmProviderErrorCode.Aborted, 'request aborted by the caller', { phase: 'before_first_token', provider });
}

async function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
