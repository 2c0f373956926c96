import { expectEventually, FakeN8nServer, FakeOpenAiCompatibleServer } from '@voxbridge/testing';
import { CircuitBreakerRegistry } from '../src/providers/circuit-breaker';
import { FallbackChain, FallbackChunk, LlmFallbackExhaustedError } from '../src/providers/fallback';
import { ChatMessage, LlmChunk, LlmProvider } from '../src/providers/llm-provider';
import { LlmProviderError, LlmProviderErrorCode } from '../src/providers/llm-provider.errors';
import { N8nWebhookProvider } from '../src/providers/n8n-webhook.provider';
import { OpenAiCompatibleProvider } from '../src/providers/openai-compatible.provider';
import { createOpenRouterProvider } from '../src/providers/openrouter.provider';

/**
 * Real: providers, fallback chain, circuit breakers, undici over real sockets.
 * Fake: the remote LLM servers (FakeOpenAiCompatibleServer, FakeN8nServer), speaking the real wire protocols.
 */

const messages: ChatMessage[] = [
  { role: 'system', content: 'You are Auren.' },
  { role: 'user', content: 'Hello?' },
];

interface Collected<C> {
  chunks: C[];
  text: string;
  error?: LlmProviderError;
}

async function collect<C extends { type: string }>(stream: AsyncIterable<C>): Promise<Collected<C>> {
  const chunks: C[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    if (!(error instanceof LlmProviderError)) throw error;
    return { chunks, text: textOf(chunks), error };
  }
  return { chunks, text: textOf(chunks) };
}

function textOf(chunks: Array<{ type: string }>): string {
  return chunks.map((c) => (c.type === 'delta' ? (c as Extract<LlmChunk, { type: 'delta' }>).text : '')).join('');
}

describe('LLM providers against fake servers', () => {
  const fakes: Array<{ close(): Promise<void> }> = [];
  const providers: LlmProvider[] = [];

  async function openAiFake(options?: Parameters<typeof FakeOpenAiCompatibleServer.start>[0]): Promise<FakeOpenAiCompatibleServer> {
    const fake = await FakeOpenAiCompatibleServer.start(options);
    fakes.push(fake);
    return fake;
  }

  async function n8nFake(): Promise<FakeN8nServer> {
    const fake = await FakeN8nServer.start();
    fakes.push(fake);
    return fake;
  }

  function track<P extends LlmProvider>(provider: P): P {
    providers.push(provider);
    return provider;
  }

  function localProvider(fake: FakeOpenAiCompatibleServer): OpenAiCompatibleProvider {
    return track(new OpenAiCompatibleProvider({ baseUrl: fake.url }));
  }

  afterEach(async () => {
    await Promise.all(providers.splice(0).map((p) => p.close()));
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });

  describe(OpenAiCompatibleProvider.name, () => {
    it('hands out the first delta while the server has not produced the rest yet', async () => {
      const fake = await openAiFake();
      fake.script({ tokens: ['One', ' two', ' three', ' four'], fault: { kind: 'hang', afterTokens: 1 } });
      const sut = localProvider(fake);
      const iterator = sut.stream({ messages, model: 'llama3.2', temperature: 0.7, signal: new AbortController().signal })[Symbol.asyncIterator]();

      const first = await iterator.next();

      expect(first.value).toEqual({ type: 'delta', text: 'One' });
      expect(fake.requests[0]).toMatchObject({ tokensSent: 1, completed: false });
      fake.release();
      const rest: LlmChunk[] = [];
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest.push(next.value);
      expect(textOf(rest)).toBe(' two three four');
      expect(rest[rest.length - 1]).toEqual({
        type: 'finish',
        finishReason: 'stop',
        usage: { promptTokens: 10, completionTokens: 4, totalTokens: 14 },
      });
    });

    it('streams at the pace the server produces: the first delta arrives before the last token is produced', async () => {
      const fake = await openAiFake();
      fake.script({ tokens: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], tokensPerSecond: 10 });
      const sut = localProvider(fake);
      const tokensProducedAtEachDelta: number[] = [];

      for await (const chunk of sut.stream({ messages, model: 'm', temperature: 0, signal: new AbortController().signal })) {
        if (chunk.type === 'delta') tokensProducedAtEachDelta.push(fake.events.filter((e) => e.type === 'token').length);
      }

      expect(tokensProducedAtEachDelta).toHaveLength(8);
      expect(tokensProducedAtEachDelta[0]).toBeLessThan(8);
    });

    it('sends the OpenAI body to {base}/chat/completions and no Authorization without a key', async () => {
      const fake = await openAiFake();
      const sut = localProvider(fake);

      const result = await collect(sut.stream({ messages, model: 'qwen2.5', temperature: 0.2, maxTokens: 64, signal: new AbortController().signal }));

      expect(result.text).toBe('Hello from the fake.');
      expect(fake.requests[0]?.path).toBe('/v1/chat/completions');
      expect(fake.requests[0]?.headers['authorization']).toBeUndefined();
      expect(fake.requests[0]?.body).toEqual({ model: 'qwen2.5', messages, temperature: 0.2, stream: true, max_tokens: 64 });
    });

    it('ends with aborted and really closes the HTTP request when the caller aborts mid-stream', async () => {
      const fake = await openAiFake();
      fake.script({ tokens: ['Once', ' upon', ' a', ' time'], fault: { kind: 'hang', afterTokens: 2 } });
      const sut = localProvider(fake);
      const controller = new AbortController();

      const done = collect(sut.stream({ messages, model: 'm', temperature: 0, signal: controller.signal }));
      await expectEventually(() => expect(fake.requests[0]?.tokensSent).toBe(2));
      controller.abort();
      const result = await done;

      expect(result.error?.code).toBe(LlmProviderErrorCode.Aborted);
      expect(result.error?.afterFirstToken).toBe(true);
      expect(result.text).toBe('Once upon');
      await expectEventually(() => expect(fake.requests[0]?.clientDisconnected).toBe(true));
      expect(fake.events.some((e) => e.type === 'client_disconnected')).toBe(true);
    });

    it('closes the HTTP request when the consumer stops reading early', async () => {
      const fake = await openAiFake();
      fake.script({ tokens: ['a', 'b', 'c'], fault: { kind: 'hang', afterTokens: 1 } });
      const sut = localProvider(fake);

      for await (const chunk of sut.stream({ messages, model: 'm', temperature: 0, signal: new AbortController().signal })) {
        if (chunk.type === 'delta') break;
      }

      await expectEventually(() => expect(fake.requests[0]?.clientDisconnected).toBe(true));
    });

    it('fails with a timeout and cancels the request when no first token arrives in time', async () => {
      const fake = await openAiFake();
      fake.script({ fault: { kind: 'hang', afterTokens: 0 } });
      const sut = localProvider(fake);

      const result = await collect(sut.stream({ messages, model: 'm', temperature: 0, timeoutMs: 200, signal: new AbortController().signal }));

      expect(result.error).toMatchObject({ code: LlmProviderErrorCode.Timeout, phase: 'before_first_token', retryable: true });
      await expectEventually(() => expect(fake.requests[0]?.clientDisconnected).toBe(true));
    });

    it.each([
      [429, LlmProviderErrorCode.RateLimited, true],
      [400, LlmProviderErrorCode.BadRequest, false],
      [503, LlmProviderErrorCode.Unavailable, true],
    ])('maps HTTP %i to %s (retryable %p)', async (status, code, retryable) => {
      const fake = await openAiFake();
      fake.script({ fault: { kind: 'status', status, message: 'scripted failure' } });

      const result = await collect(localProvider(fake).stream({ messages, model: 'm', temperature: 0, signal: new AbortController().signal }));

      expect(result.error).toMatchObject({ code, status, retryable, phase: 'before_first_token' });
      expect(result.error?.message).toContain('scripted failure');
    });

    it('reports a connection reset after the first token as unavailable after the first token, not retryable', async () => {
      const fake = await openAiFake();
      fake.script({ tokens: ['a', 'b', 'c', 'd'], fault: { kind: 'reset', afterTokens: 2 } });

      const result = await collect(localProvider(fake).stream({ messages, model: 'm', temperature: 0, signal: new AbortController().signal }));

      expect(result.text).toBe('ab');
      expect(result.error).toMatchObject({ code: LlmProviderErrorCode.Unavailable, phase: 'after_first_token', retryable: false });
    });
  });

  describe('OpenRouter', () => {
    it('sends the key, HTTP-Referer and X-Title, and reads past keep-alive comments', async () => {
      const fake = await openAiFake({ apiKey: 'sk-or-test', keepAliveComment: true });
      const sut = track(createOpenRouterProvider({ apiKey: 'sk-or-test', baseUrl: fake.url }));

      const result = await collect(sut.stream({ messages, model: 'anthropic/claude-3.5-sonnet', temperature: 0.7, signal: new AbortController().signal }));

      expect(result.error).toBeUndefined();
      expect(result.text).toBe('Hello from the fake.');
      expect(sut.name).toBe('openrouter');
      const request = fake.requests[0];
      expect(request?.method).toBe('POST');
      expect(request?.path).toBe('/v1/chat/completions');
      expect(request?.headers).toMatchObject({
        authorization: 'Bearer sk-or-test',
        'http-referer': 'https://voxbridge.local',
        'x-title': 'VoxBridge',
        'content-type': 'application/json',
      });
      expect(request?.body).toEqual({ model: 'anthropic/claude-3.5-sonnet', messages, temperature: 0.7, stream: true });
    });

    it('maps a rejected key to unauthorized, not retryable', async () => {
      const fake = await openAiFake({ apiKey: 'sk-or-right' });
      const sut = track(createOpenRouterProvider({ apiKey: 'sk-or-wrong', baseUrl: fake.url }));

      const result = await collect(sut.stream({ messages, model: 'm', temperature: 0, signal: new AbortController().signal }));

      expect(result.error).toMatchObject({ code: LlmProviderErrorCode.Unauthorized, status: 401, retryable: false });
      expect(result.text).toBe('');
    });
  });

  describe(FallbackChain.name, () => {
    async function twoServers() {
      const primary = await openAiFake();
      const secondary = await openAiFake();
      secondary.script({ tokens: ['Backup', ' here.'] });
      const breakers = new CircuitBreakerRegistry({ failureThreshold: 2, coolDownMs: 60_000 });
      const entries = [
        { provider: track(createOpenRouterProvider({ apiKey: 'k', baseUrl: primary.url })), model: 'anthropic/claude-3.5-sonnet', timeoutMs: 300 },
        { provider: localProvider(secondary), model: 'llama3.2' },
      ];
      return { primary, secondary, breakers, sut: new FallbackChain(entries, { breakers }) };
    }

    it.each([
      ['500', { kind: 'status', status: 500 } as const, LlmProviderErrorCode.Unavailable],
      ['503', { kind: 'status', status: 503 } as const, LlmProviderErrorCode.Unavailable],
      ['hangs', { kind: 'hang' } as const, LlmProviderErrorCode.Timeout],
    ])('falls back when the primary %s before the first token, and names who answered', async (_label, fault, code) => {
      const { primary, secondary, sut } = await twoServers();
      primary.script({ fault });

      const result = await collect(sut.stream({ messages, temperature: 0.5, signal: new AbortController().signal }));

      expect(result.error).toBeUndefined();
      expect(result.text).toBe('Backup here.');
      const answered = result.chunks[0] as Extract<FallbackChunk, { type: 'answered_by' }>;
      expect(answered).toMatchObject({ type: 'answered_by', provider: 'openai-compatible', model: 'llama3.2', endpoint: secondary.url });
      expect(answered.ttftMs).toBeGreaterThanOrEqual(0);
      expect(answered.failedAttempts).toEqual([expect.objectContaining({ provider: 'openrouter', model: 'anthropic/claude-3.5-sonnet', code })]);
      // The secondary gets its own model name (the original reused the primary's).
      expect(secondary.requests[0]?.body).toMatchObject({ model: 'llama3.2' });
      if (fault.kind === 'hang') await expectEventually(() => expect(primary.requests[0]?.clientDisconnected).toBe(true));
    });

    it('ends with the error after the first token: no fallback, no repeated words', async () => {
      const { primary, secondary, sut } = await twoServers();
      primary.script({ tokens: ['I', ' think', ' that', ' maybe'], fault: { kind: 'reset', afterTokens: 2 } });

      const result = await collect(sut.stream({ messages, temperature: 0.5, signal: new AbortController().signal }));

      expect(result.chunks[0]).toMatchObject({ type: 'answered_by', provider: 'openrouter' });
      expect(result.text).toBe('I think');
      expect(result.error).toMatchObject({ code: LlmProviderErrorCode.Unavailable, phase: 'after_first_token' });
      expect(secondary.requests).toHaveLength(0);
    });

    it('opens the circuit after N failures and then skips the primary at once; lets a trial through after the cool-down', async () => {
      const primary = await openAiFake();
      const secondary = await openAiFake();
      primary.script({ fault: { kind: 'status', status: 503 } });
      let nowMs = 0;
      const breakers = new CircuitBreakerRegistry({ failureThreshold: 2, coolDownMs: 10_000, now: () => nowMs });
      const primaryProvider = localProvider(primary);
      const sut = new FallbackChain(
        [
          { provider: primaryProvider, model: 'big' },
          { provider: localProvider(secondary), model: 'small' },
        ],
        { breakers },
      );
      const run = () => collect(sut.stream({ messages, temperature: 0, signal: new AbortController().signal }));

      await run();
      await run();
      const skipped = await run();

      expect(primary.requests).toHaveLength(2);
      expect(breakers.for(primaryProvider.endpoint).state).toBe('open');
      expect(skipped.text).toBe('Hello from the fake.');
      expect((skipped.chunks[0] as Extract<FallbackChunk, { type: 'answered_by' }>).failedAttempts).toEqual([
        expect.objectContaining({ provider: 'openai-compatible', model: 'big', code: LlmProviderErrorCode.CircuitOpen }),
      ]);

      primary.script({ tokens: ['Primary', ' is', ' back.'] });
      nowMs += 10_000;
      const trial = await run();
      expect(trial.chunks[0]).toMatchObject({ type: 'answered_by', model: 'big' });
      expect(trial.text).toBe('Primary is back.');
      expect(breakers.for(primaryProvider.endpoint).state).toBe('closed');
    });

    it('throws an exhausted error naming every attempt when no entry answers', async () => {
      const { primary, secondary, sut } = await twoServers();
      primary.script({ fault: { kind: 'status', status: 429 } });
      secondary.script({ fault: { kind: 'status', status: 500 } });

      const result = await collect(sut.stream({ messages, temperature: 0, signal: new AbortController().signal }));

      expect(result.error).toBeInstanceOf(LlmFallbackExhaustedError);
      expect((result.error as LlmFallbackExhaustedError).attempts.map((a) => a.code)).toEqual([
        LlmProviderErrorCode.RateLimited,
        LlmProviderErrorCode.Unavailable,
      ]);
    });

    it('stops everything at once on abort before the first token: no fallback, the request is closed', async () => {
      const { primary, secondary, sut } = await twoServers();
      primary.script({ fault: { kind: 'hang', afterTokens: 0 } });
      const controller = new AbortController();

      const done = collect(sut.stream({ messages, temperature: 0, signal: controller.signal }));
      await expectEventually(() => expect(primary.requests).toHaveLength(1));
      controller.abort();
      const result = await done;

      expect(result.error).toMatchObject({ code: LlmProviderErrorCode.Aborted, phase: 'before_first_token' });
      expect(secondary.requests).toHaveLength(0);
      await expectEventually(() => expect(primary.requests[0]?.clientDisconnected).toBe(true));
    });
  });

  describe(N8nWebhookProvider.name, () => {
    const request = () => ({
      messages: [...messages.slice(0, 1), { role: 'user' as const, content: 'Hi' }, { role: 'assistant' as const, content: 'Hello!' }, ...messages.slice(1)],
      model: 'n8n-agent',
      temperature: 0.6,
      sessionId: '6f1c0a43-4a5e-4d0c-9a1f-0d1b2a3c4d5e',
      caller: { userId: 'discord:42', userName: 'Ada', agentName: 'Auren' },
      signal: new AbortController().signal,
    });

    it('posts the original body and reads a JSON reply as one answer', async () => {
      const fake = await n8nFake();
      fake.script({ mode: 'json', jsonBody: [{ response: 'From the workflow.' }] });
      const sut = track(new N8nWebhookProvider({ webhookUrl: fake.url }));

      const result = await collect(sut.stream(request()));

      expect(result.chunks).toEqual([
        { type: 'delta', text: 'From the workflow.' },
        { type: 'finish', finishReason: 'stop' },
      ]);
      expect(fake.requests[0]?.body).toEqual({
        sessionId: '6f1c0a43-4a5e-4d0c-9a1f-0d1b2a3c4d5e',
        userId: 'discord:42',
        username: 'Ada',
        text: 'Hello?',
        conversationHistory: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello!' },
        ],
        agentConfig: { name: 'Auren', systemPrompt: 'You are Auren.', temperature: 0.6, model: 'n8n-agent' },
      });
    });

    it('fails with protocol, not spoken JSON, when a JSON reply has no text field', async () => {
      const fake = await n8nFake();
      fake.script({ mode: 'json', jsonBody: { status: 'ok' } });

      const result = await collect(track(new N8nWebhookProvider({ webhookUrl: fake.url })).stream(request()));

      expect(result.error).toMatchObject({ code: LlmProviderErrorCode.Protocol, phase: 'before_first_token' });
    });

    it('streams a text/plain reply as it arrives', async () => {
      const fake = await n8nFake();
      fake.script({ mode: 'text', tokens: ['Plain', ' text', ' stream.'], fault: { kind: 'hang', afterTokens: 1 } });
      const iterator = track(new N8nWebhookProvider({ webhookUrl: fake.url })).stream(request())[Symbol.asyncIterator]();

      const first = await iterator.next();
      expect(first.value).toEqual({ type: 'delta', text: 'Plain' });
      expect(fake.requests[0]).toMatchObject({ tokensSent: 1, completed: false });
      fake.release();
      const rest: LlmChunk[] = [];
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest.push(next.value);

      expect(textOf(rest)).toBe(' text stream.');
      expect(rest[rest.length - 1]).toEqual({ type: 'finish', finishReason: 'stop' });
    });

    it('streams an SSE reply chunk by chunk until [DONE]', async () => {
      const fake = await n8nFake();
      fake.script({ mode: 'sse', tokens: ['Server', ' sent', ' events.'], fault: { kind: 'hang', afterTokens: 1 } });
      const iterator = track(new N8nWebhookProvider({ webhookUrl: fake.url })).stream(request())[Symbol.asyncIterator]();

      const first = await iterator.next();
      expect(first.value).toEqual({ type: 'delta', text: 'Server' });
      expect(fake.requests[0]).toMatchObject({ tokensSent: 1, completed: false });
      fake.release();
      const rest: LlmChunk[] = [];
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest.push(next.value);

      expect(textOf(rest)).toBe(' sent events.');
      expect(rest[rest.length - 1]).toEqual({ type: 'finish', finishReason: 'stop' });
    });
  });
});
