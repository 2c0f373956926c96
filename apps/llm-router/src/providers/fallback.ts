import { CircuitBreaker, CircuitBreakerRegistry } from './circuit-breaker';
import { DEFAULT_LLM_DEADLINES, LlmDeadlines, realSchedule, Schedule, withDeadline } from './deadlines';
import { ChatMessage, LlmChunk, LlmProvider } from './llm-provider';
import { LlmProviderError, LlmProviderErrorCode } from './llm-provider.errors';

export interface FallbackEntry {
  provider: LlmProvider;
  /** The model for this provider (the original wrongly reused the primary's model name). */
  model: string;
  /** First-token deadline of one attempt on this entry (overrides the chain's). */
  timeoutMs?: number;
  /** Extra attempts on this entry for transient failures before moving on (default 0). */
  retries?: number;
}

export interface FallbackChainOptions {
  breakers: CircuitBreakerRegistry;
  /** First-token deadline per attempt and inter-token deadline (default DEFAULT_LLM_DEADLINES). */
  deadlines?: Partial<LlmDeadlines>;
  /** Pause before retrying the same entry. */
  retryDelayMs?: number;
  /** Monotonic milliseconds; injected in tests. */
  now?: () => number;
  /** Timers for the deadlines; injected in tests. */
  schedule?: Schedule;
  /** Hears every failure that says something about an endpoint (not aborts, not skipped circuits), before or after the first token. */
  onFailure?: (endpoint: string, error: LlmProviderError) => void;
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
  /** What happened, as the provider layer says it (HTTP status and message, deadline, host). */
  error?: LlmProviderError;
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

  private readonly deadlines: LlmDeadlines;
  private readonly schedule: Schedule;

  constructor(
    private readonly entries: readonly FallbackEntry[],
    private readonly options: FallbackChainOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.deadlines = { ...DEFAULT_LLM_DEADLINES, ...options.deadlines };
    this.schedule = options.schedule ?? realSchedule;
  }

  async *stream(request: FallbackRequest): AsyncGenerator<FallbackChunk, void, undefined> {
    const startedAtMs = this.now();
    const failed: FailedAttempt[] = [];
    let lastError: LlmProviderError | undefined;

    for (const entry of this.entries) {
      const breaker = this.options.breakers.for(entry.provider.endpoint);
      for (let attempt = 0; attempt <= (entry.retries ?? 0); attempt++) {
        throwIfAborted(request.signal, entry.provider.name);
        const record = (error: LlmProviderError) =>
          failed.push({
            provider: entry.provider.name,
            endpoint: entry.provider.endpoint,
            model: entry.model,
            code: error.code,
            error,
            elapsedMs: this.now() - startedAtMs,
          });

        if (!breaker.tryAcquire()) {
          lastError = circuitOpenError(entry.provider.name, breaker);
          record(lastError);
          break;
        }

        // One controller per attempt: the caller's abort and a missed deadline both close the request.
        const controller = new AbortController();
        const onCallerAbort = () => controller.abort();
        request.signal.addEventListener('abort', onCallerAbort, { once: true });
        const firstTokenMs = entry.timeoutMs ?? this.deadlines.firstTokenMs;
        const stream = entry.provider.stream({ ...request, signal: controller.signal, model: entry.model, timeoutMs: firstTokenMs });
        const iterator = stream[Symbol.asyncIterator]();
        let first: LlmChunk;
        try {
          first = await withDeadline(
            firstDelta(iterator, entry.provider.name),
            firstTokenMs,
            this.schedule,
            () =>
              new LlmProviderError(LlmProviderErrorCode.Timeout, `no first token within ${firstTokenMs} ms (first-token deadline)`, {
                phase: 'before_first_token',
                provider: entry.provider.name,
              }),
            () => abandon(controller, iterator),
          );
        } catch (error) {
          request.signal.removeEventListener('abort', onCallerAbort);
          const failure = request.signal.aborted ? abortedError(entry.provider.name) : asProviderError(error, entry.provider.name);
          if (!controller.signal.aborted) await iterator.return?.();
          if (NOT_THE_ENDPOINTS_FAULT.has(failure.code)) breaker.release();
          else breaker.recordFailure();
          if (failure.code === LlmProviderErrorCode.Aborted) throw failure;
          this.options.onFailure?.(entry.provider.endpoint, failure);
          record(failure);
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
        try {
          yield* this.rest(first, iterator, entry, breaker, controller, request.signal);
        } finally {
          request.signal.removeEventListener('abort', onCallerAbort);
        }
        return;
      }
    }
    throw new LlmFallbackExhaustedError(failed, lastError);
  }

  private async *rest(
    first: LlmChunk,
    iterator: AsyncIterator<LlmChunk>,
    entry: FallbackEntry,
    breaker: CircuitBreaker,
    controller: AbortController,
    callerSignal: AbortSignal,
  ): AsyncGenerator<LlmChunk, void, undefined> {
    const interTokenMs = this.deadlines.interTokenMs;
    let done = false;
    let tokens = 1;
    try {
      yield first;
      for (;;) {
        let next: IteratorResult<LlmChunk>;
        try {
          next = await withDeadline(
            iterator.next(),
            interTokenMs,
            this.schedule,
            () =>
              new LlmProviderError(
                LlmProviderErrorCode.Timeout,
                `no token for ${interTokenMs} ms after ${tokens} ${tokens === 1 ? 'token' : 'tokens'} (inter-token deadline)`,
                { phase: 'after_first_token', provider: entry.provider.name },
              ),
            () => abandon(controller, iterator),
          );
        } catch (error) {
          const failure = callerSignal.aborted ? abortedError(entry.provider.name, 'after_first_token') : asProviderError(error, entry.provider.name, 'after_first_token');
          if (!NOT_THE_ENDPOINTS_FAULT.has(failure.code)) breaker.recordFailure();
          if (failure.code !== LlmProviderErrorCode.Aborted) this.options.onFailure?.(entry.provider.endpoint, failure);
          done = true;
          throw failure;
        }
        if (next.done) {
          done = true;
          return;
        }
        if (next.value.type === 'delta' && next.value.text) tokens++;
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
  if (signal.aborted) throw abortedError(provider);
}

function abortedError(provider: string, phase: 'before_first_token' | 'after_first_token' = 'before_first_token'): LlmProviderError {
  return new LlmProviderError(LlmProviderErrorCode.Aborted, 'request aborted by the caller', { phase, provider });
}

function circuitOpenError(provider: string, breaker: CircuitBreaker): LlmProviderError {
  const retryInS = (breaker.retryInMs / 1000).toFixed(1);
  return new LlmProviderError(
    LlmProviderErrorCode.CircuitOpen,
    `skipped: ${breaker.failures} failures in a row, circuit open; next probe in ${retryInS} s`,
    { phase: 'before_first_token', provider },
  );
}

/**
 * A missed deadline: closes the request at once and lets the provider's stream wind down on its
 * own (its pending read ends with the abort; nobody waits for it).
 */
function abandon(controller: AbortController, iterator: AsyncIterator<LlmChunk>): void {
  controller.abort();
  void iterator.return?.().catch(() => undefined);
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
