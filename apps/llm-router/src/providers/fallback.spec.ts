import { CircuitBreakerRegistry } from './circuit-breaker';
import type { Schedule } from './deadlines';
import { FallbackChain, FallbackChunk, LlmFallbackExhaustedError } from './fallback';
import type { LlmChunk, LlmProvider, LlmStreamRequest } from './llm-provider';
import { LlmProviderError, LlmProviderErrorCode } from './llm-provider.errors';

/** Timers that fire only when the test moves the clock: no real time in any verdict. */
class ManualClock {
  nowMs = 0;
  private timers: Array<{ atMs: number; fire: () => void; cancelled: boolean }> = [];

  readonly schedule: Schedule = (ms, fire) => {
    const timer = { atMs: this.nowMs + ms, fire, cancelled: false };
    this.timers.push(timer);
    return () => (timer.cancelled = true);
  };

  readonly now = () => this.nowMs;

  advance(ms: number): void {
    this.nowMs += ms;
    const due = this.timers.filter((t) => !t.cancelled && t.atMs <= this.nowMs);
    this.timers = this.timers.filter((t) => !due.includes(t));
    for (const timer of due) timer.fire();
  }
}

/** Lets pending promise callbacks run (no time passes on the manual clock). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A provider whose tokens come when the test says so (`next()`), that stalls otherwise, and
 * that stops with `aborted` when its request is aborted, as the HTTP providers do.
 */
class PacedProvider implements LlmProvider {
  readonly capabilities = { streaming: 'native' as const };
  readonly requests: LlmStreamRequest[] = [];
  private release: Array<() => void> = [];

  constructor(
    readonly name: string,
    readonly endpoint: string,
    private readonly tokens: string[],
    /** Tokens sent without waiting for `next()`. */
    private readonly freeTokens = 0,
  ) {}

  /** Lets the next token (or the end) through. */
  next(): void {
    this.release.shift()?.();
  }

  async *stream(request: LlmStreamRequest): AsyncGenerator<LlmChunk, void, undefined> {
    this.requests.push(request);
    for (let i = 0; i <= this.tokens.length; i++) {
      if (i >= this.freeTokens) await this.wait(request.signal);
      const token = this.tokens[i];
      if (token === undefined) break;
      yield { type: 'delta', text: token };
    }
    yield { type: 'finish', finishReason: 'stop' };
  }

  async close(): Promise<void> {
    return undefined;
  }

  private wait(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const aborted = () => reject(new LlmProviderError(LlmProviderErrorCode.Aborted, 'request aborted by the caller', { phase: 'before_first_token', provider: this.name }));
      if (signal.aborted) return aborted();
      signal.addEventListener('abort', aborted, { once: true });
      this.release.push(resolve);
    });
  }
}

interface Run {
  chunks: FallbackChunk[];
  error?: unknown;
  ended: boolean;
}

function consume(stream: AsyncIterable<FallbackChunk>): Run {
  const run: Run = { chunks: [], ended: false };
  void (async () => {
    try {
      for await (const chunk of stream) run.chunks.push(chunk);
    } catch (error) {
      run.error = error;
    } finally {
      run.ended = true;
    }
  })();
  return run;
}

const textOf = (run: Run) => run.chunks.map((c) => (c.type === 'delta' ? c.text : '')).join('');

describe(`${FallbackChain.name} deadlines`, () => {
  let clock: ManualClock;
  let breakers: CircuitBreakerRegistry;
  const request = () => ({ messages: [{ role: 'user' as const, content: 'hi' }], temperature: 0.5, signal: new AbortController().signal });

  beforeEach(() => {
    clock = new ManualClock();
    breakers = new CircuitBreakerRegistry({ failureThreshold: 3, coolDownMs: 2_000, now: clock.now });
  });

  const chain = (entries: ConstructorParameters<typeof FallbackChain>[0]) =>
    new FallbackChain(entries, { breakers, deadlines: { firstTokenMs: 6_000, interTokenMs: 4_000 }, schedule: clock.schedule, now: clock.now });

  it('moves to the next fallback step when the first token misses its deadline, and closes the stalled request', async () => {
    const primary = new PacedProvider('openrouter', 'http://primary/v1', ['never']);
    const backup = new PacedProvider('openai-compatible', 'http://backup/v1', ['Backup', ' here.'], 2);
    const run = consume(chain([{ provider: primary, model: 'big' }, { provider: backup, model: 'small' }]).stream(request()));
    await settle();

    clock.advance(5_999);
    await settle();
    expect(backup.requests).toHaveLength(0);
    clock.advance(1);
    await settle();
    backup.next();
    await settle();

    expect(run.error).toBeUndefined();
    expect(run.ended).toBe(true);
    expect(textOf(run)).toBe('Backup here.');
    expect(primary.requests[0]?.signal.aborted).toBe(true);
    const answered = run.chunks[0] as Extract<FallbackChunk, { type: 'answered_by' }>;
    expect(answered).toMatchObject({ provider: 'openai-compatible', model: 'small', ttftMs: 6_000 });
    expect(answered.failedAttempts).toEqual([expect.objectContaining({ provider: 'openrouter', code: LlmProviderErrorCode.Timeout, elapsedMs: 6_000 })]);
    expect(answered.failedAttempts[0]?.error?.message).toBe('no first token within 6000 ms (first-token deadline)');
  });

  it('ends with a timeout naming the first-token deadline the moment the last step misses it', async () => {
    const only = new PacedProvider('openai-compatible', 'http://only/v1', ['never']);
    const run = consume(chain([{ provider: only, model: 'm', timeoutMs: 2_500 }]).stream(request()));
    await settle();

    clock.advance(2_500);
    await settle();

    expect(run.ended).toBe(true);
    expect(run.error).toBeInstanceOf(LlmFallbackExhaustedError);
    expect(run.error).toMatchObject({ code: LlmProviderErrorCode.Timeout });
    expect((run.error as LlmFallbackExhaustedError).attempts[0]?.error?.message).toBe('no first token within 2500 ms (first-token deadline)');
    expect(only.requests[0]?.signal.aborted).toBe(true);
  });

  it('ends a stream that stalls mid-answer with a timeout after the inter-token deadline: the words so far, no fallback', async () => {
    const primary = new PacedProvider('openrouter', 'http://primary/v1', ['I', ' think', ' that'], 2);
    const backup = new PacedProvider('openai-compatible', 'http://backup/v1', ['Backup'], 1);
    const run = consume(chain([{ provider: primary, model: 'big' }, { provider: backup, model: 'small' }]).stream(request()));
    await settle();
    expect(textOf(run)).toBe('I think');

    clock.advance(3_999);
    await settle();
    expect(run.ended).toBe(false);
    clock.advance(1);
    await settle();

    expect(run.ended).toBe(true);
    expect(textOf(run)).toBe('I think');
    expect(run.error).toBeInstanceOf(LlmProviderError);
    expect(run.error).toMatchObject({ code: LlmProviderErrorCode.Timeout, phase: 'after_first_token', retryable: false });
    expect((run.error as Error).message).toBe('no token for 4000 ms after 2 tokens (inter-token deadline)');
    expect(primary.requests[0]?.signal.aborted).toBe(true);
    expect(backup.requests).toHaveLength(0);
  });

  it('lets an answer go on as long as no gap between tokens reaches the deadline', async () => {
    const slow = new PacedProvider('openrouter', 'http://slow/v1', ['One', ' two', ' three', '.']);
    const run = consume(chain([{ provider: slow, model: 'm' }]).stream(request()));
    await settle();

    for (let i = 0; i < 5; i++) {
      clock.advance(i === 0 ? 5_900 : 3_900);
      await settle();
      slow.next();
      await settle();
    }

    expect(run.error).toBeUndefined();
    expect(run.ended).toBe(true);
    expect(textOf(run)).toBe('One two three.');
  });

  it('counts missed deadlines against the endpoint: three open its circuit, and the next turn skips it at once', async () => {
    const stalls = new PacedProvider('openrouter', 'http://stalls/v1', ['never']);
    for (let i = 0; i < 3; i++) {
      const run = consume(chain([{ provider: stalls, model: 'm' }]).stream(request()));
      await settle();
      clock.advance(6_000);
      await settle();
      expect(run.ended).toBe(true);
    }
    expect(breakers.for('http://stalls/v1').state).toBe('open');

    const skipped = consume(chain([{ provider: stalls, model: 'm' }]).stream(request()));
    await settle();

    expect(skipped.ended).toBe(true);
    expect(skipped.error).toMatchObject({ code: LlmProviderErrorCode.CircuitOpen });
    expect((skipped.error as LlmFallbackExhaustedError).attempts[0]?.error?.message).toBe('skipped: 3 failures in a row, circuit open; next probe in 2.0 s');
    expect(stalls.requests).toHaveLength(3);
  });

  it("reports the caller's abort as aborted, not as a missed deadline", async () => {
    const primary = new PacedProvider('openrouter', 'http://primary/v1', ['never']);
    const controller = new AbortController();
    const run = consume(chain([{ provider: primary, model: 'm' }]).stream({ ...request(), signal: controller.signal }));
    await settle();

    controller.abort();
    await settle();

    expect(run.ended).toBe(true);
    expect(run.error).toMatchObject({ code: LlmProviderErrorCode.Aborted });
    expect(breakers.for('http://primary/v1').state).toBe('closed');
  });
});
