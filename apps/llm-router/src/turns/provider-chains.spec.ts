import { Writable } from 'node:stream';
import type { AgentDto } from '@voxbridge/contracts';
import { AppLogger } from '@voxbridge/platform';
import { FakeOpenAiCompatibleServer, freePort } from '@voxbridge/testing';
import { LlmRouterEnv } from '../config/llm-router.env';
import { LlmFallbackExhaustedError } from '../providers/fallback';
import { LlmProviderError, LlmProviderErrorCode } from '../providers/llm-provider.errors';
import { describeAttempt, describeOllamaFailure, ProviderChains, resolveStep, type AutoLlmSettings } from './provider-chains';

const OLLAMA = 'http://127.0.0.1:11434/v1';

const local: AutoLlmSettings = { ollamaBaseUrl: OLLAMA, ollamaModel: 'llama3.2' };
const withKey: AutoLlmSettings = { ...local, openRouterApiKey: 'sk-or-test' };
const auto = (baseUrl: string | null = null) => ({ provider: 'auto' as const, model: 'anthropic/claude-3.5-sonnet', baseUrl });

/** An undici-style connection refusal, as HttpAttempt wraps it. */
const refused = () => {
  const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:11434'), { code: 'ECONNREFUSED' });
  return new LlmProviderError(LlmProviderErrorCode.Unavailable, 'connection failed (ECONNREFUSED)', { phase: 'before_first_token', provider: 'openai-compatible', cause });
};

describe(resolveStep.name, () => {
  it('picks OpenRouter with the agent model when OPENROUTER_API_KEY is set, never sending the key to the agent URL', () => {
    expect(resolveStep(auto(), withKey)).toEqual({ provider: 'openrouter', model: 'anthropic/claude-3.5-sonnet', baseUrl: null });
    expect(resolveStep(auto('http://vllm:8000/v1'), withKey)).toEqual({ provider: 'openrouter', model: 'anthropic/claude-3.5-sonnet', baseUrl: null });
  });

  it("picks the agent's own OpenAI-compatible server and model without a key when the agent has llm_base_url", () => {
    expect(resolveStep(auto('http://vllm:8000/v1'), local)).toEqual({ provider: 'openai_compatible', model: 'anthropic/claude-3.5-sonnet', baseUrl: 'http://vllm:8000/v1' });
  });

  it("picks Ollama at OLLAMA_BASE_URL with OLLAMA_MODEL otherwise (the agent's model is an OpenRouter id)", () => {
    expect(resolveStep(auto(), local)).toEqual({ provider: 'openai_compatible', model: 'llama3.2', baseUrl: OLLAMA, ollama: true });
  });

  it('leaves explicit providers as they are', () => {
    const step = { provider: 'openai_compatible' as const, model: 'qwen2.5', baseUrl: 'http://x:1/v1' };
    expect(resolveStep(step, withKey)).toEqual(step);
    expect(resolveStep({ provider: 'openrouter', model: 'm', baseUrl: null }, local)).toEqual({ provider: 'openrouter', model: 'm', baseUrl: null });
  });
});

describe(describeOllamaFailure.name, () => {
  it('says the server refused the connection when nothing listens', () => {
    expect(describeOllamaFailure(OLLAMA, 'llama3.2', LlmProviderErrorCode.Unavailable, refused())).toBe(`Ollama at ${OLLAMA} refused the connection`);
  });

  it('names the missing model when Ollama answers 404', () => {
    const notFound = new LlmProviderError(LlmProviderErrorCode.BadRequest, 'HTTP 404: model "llama3.2" not found, try pulling it first', {
      phase: 'before_first_token',
      status: 404,
    });
    expect(describeOllamaFailure(OLLAMA, 'llama3.2', notFound.code, notFound)).toBe(`Ollama at ${OLLAMA} has no model llama3.2`);
  });

  it('keeps saying why once the circuit is open, and falls back to the code when nothing is known', () => {
    expect(describeOllamaFailure(OLLAMA, 'llama3.2', LlmProviderErrorCode.CircuitOpen, refused())).toBe(
      `Ollama at ${OLLAMA} refused the connection (repeatedly; paused for a cool-down)`,
    );
    expect(describeOllamaFailure(OLLAMA, 'llama3.2', LlmProviderErrorCode.Timeout, undefined)).toBe(`Ollama at ${OLLAMA} (no answer in time)`);
  });
});

describe(ProviderChains.name, () => {
  const logger = AppLogger.create({ service: 'test', level: 'silent', format: 'json', destination: new Writable({ write: (_c, _e, done) => done() }) });
  const chains: ProviderChains[] = [];

  function chainsWith(env: Partial<LlmRouterEnv>): ProviderChains {
    const sut = new ProviderChains(Object.assign(new LlmRouterEnv(), env), logger);
    chains.push(sut);
    return sut;
  }

  afterEach(async () => {
    await Promise.all(chains.splice(0).map((sut) => sut.onApplicationShutdown()));
  });

  const agent = (overrides: Partial<AgentDto> = {}): AgentDto =>
    ({ id: 'a1', llm_provider: 'auto', llm_model: 'anthropic/claude-3.5-sonnet', llm_base_url: null, n8n_webhook_url: null, fallback: [], ...overrides }) as AgentDto;
  const exhausted = (endpoint: string, provider: string, model: string) =>
    new LlmFallbackExhaustedError([{ provider, endpoint, model, code: LlmProviderErrorCode.Unavailable, elapsedMs: 3 }], undefined);

  it('tells the user of an agent on the Ollama default which server failed and how to configure one', () => {
    const sut = chainsWith({ OLLAMA_BASE_URL: 'http://ollama.lan:11434/v1', OLLAMA_MODEL: 'qwen2.5' });

    const { describeFailure } = sut.forAgent(agent());

    expect(describeFailure(exhausted('http://ollama.lan:11434/v1', 'openai-compatible', 'qwen2.5'))).toBe(
      'No LLM reachable: Ollama at http://ollama.lan:11434/v1 (unavailable) — start Ollama (ollama serve; ollama pull qwen2.5) ' +
        'or set OPENROUTER_API_KEY on llm-router, or point the agent at another provider.',
    );
  });

  it('sends an auto agent to Ollama: a server that refuses the connection is named in the failure', async () => {
    const ollama = `http://127.0.0.1:${await freePort()}/v1`;
    const sut = chainsWith({ OLLAMA_BASE_URL: ollama, OLLAMA_MODEL: 'qwen2.5' });
    const { chain, describeFailure } = sut.forAgent(agent());
    if (!chain) throw new Error('an auto agent got no provider chain');

    const failure = await (async () => {
      for await (const _chunk of chain.stream({ messages: [{ role: 'user', content: 'hi' }], temperature: 0.7, signal: new AbortController().signal })) {
        throw new Error('a closed port answered');
      }
    })().then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(LlmFallbackExhaustedError);
    // Stored with the failed turn under the name the System page uses for it.
    expect((failure as LlmFallbackExhaustedError).attempts.map((a) => a.provider)).toEqual(['ollama']);
    expect(describeFailure(failure as LlmFallbackExhaustedError)).toBe(
      `No LLM reachable: Ollama at ${ollama} refused the connection — start Ollama (ollama serve; ollama pull qwen2.5) ` +
        'or set OPENROUTER_API_KEY on llm-router, or point the agent at another provider.',
    );
  });

  it("names the launcher's scripted OpenRouter 'fake-openrouter' on the turn, and a real one 'openrouter'", async () => {
    const server = await FakeOpenAiCompatibleServer.start();
    try {
      const answeredBy = async (env: Partial<LlmRouterEnv>) => {
        const { chain } = chainsWith({ OPENROUTER_API_KEY: 'fake-openrouter-key', OPENROUTER_BASE_URL: server.url, ...env }).forAgent(agent());
        if (!chain) throw new Error('an auto agent got no provider chain');
        for await (const chunk of chain.stream({ messages: [{ role: 'user', content: 'hi' }], temperature: 0.7, signal: new AbortController().signal })) {
          if (chunk.type === 'answered_by') return chunk.provider;
        }
        return undefined;
      };

      expect(await answeredBy({ VOXBRIDGE_FAKE_PROVIDERS: '1' })).toBe('fake-openrouter');
      expect(await answeredBy({ VOXBRIDGE_FAKE_PROVIDERS: '0' })).toBe('openrouter');
    } finally {
      await server.close();
    }
  });

  const failedWith = (endpoint: string, provider: string, model: string, error: LlmProviderError) =>
    new LlmFallbackExhaustedError([{ provider, endpoint, model, code: error.code, error, elapsedMs: 3 }], error);

  it('says what really happened when the key is set: the HTTP status and the provider message, no key advice', () => {
    const sut = chainsWith({ OPENROUTER_API_KEY: 'sk-or-test', OPENROUTER_BASE_URL: 'https://openrouter.example/api/v1' });
    const error = new LlmProviderError(LlmProviderErrorCode.Unavailable, 'openrouter.example answered HTTP 503: upstream overloaded', {
      phase: 'before_first_token',
      status: 503,
    });

    const { describeFailure } = sut.forAgent(agent());

    const message = describeFailure(failedWith('https://openrouter.example/api/v1', 'openrouter', 'anthropic/claude-3.5-sonnet', error));
    expect(message).toBe('no LLM answered: openrouter (openrouter.example answered HTTP 503: upstream overloaded).');
    expect(message).not.toContain('OPENROUTER_API_KEY');
  });

  it('says the key was rejected when OpenRouter answers 401, not that it is missing', () => {
    const sut = chainsWith({ OPENROUTER_API_KEY: 'sk-or-wrong', OPENROUTER_BASE_URL: 'https://openrouter.example/api/v1' });
    const error = new LlmProviderError(LlmProviderErrorCode.Unauthorized, 'openrouter.example answered HTTP 401: No auth credentials found', {
      phase: 'before_first_token',
      status: 401,
    });

    const message = sut.forAgent(agent()).describeFailure(failedWith('https://openrouter.example/api/v1', 'openrouter', 'm', error));

    expect(message).toBe('no LLM answered: openrouter (key rejected: openrouter.example answered HTTP 401: No auth credentials found).');
  });

  it('asks for OPENROUTER_API_KEY only when an openrouter step needed it and it is not set', () => {
    const sut = chainsWith({ OPENROUTER_API_KEY: undefined });

    const { chain, describeFailure } = sut.forAgent(agent({ llm_provider: 'openrouter' }));

    expect(chain).toBeUndefined();
    expect(describeFailure(undefined)).toBe(
      'no LLM answered: openrouter (no OPENROUTER_API_KEY set on llm-router). Set OPENROUTER_API_KEY on llm-router, or point the agent at another provider.',
    );
  });

  it('names which deadline was missed', () => {
    const sut = chainsWith({ OLLAMA_BASE_URL: 'http://vllm.lan:8000/v1' });
    const error = new LlmProviderError(LlmProviderErrorCode.Timeout, 'no first token within 6000 ms (first-token deadline)', { phase: 'before_first_token' });

    const message = sut.forAgent(agent({ llm_provider: 'openai_compatible', llm_model: 'm' })).describeFailure(failedWith('http://vllm.lan:8000/v1', 'openai-compatible', 'm', error));

    expect(message).toBe('no LLM answered: openai_compatible http://vllm.lan:8000/v1 (no first token within 6000 ms (first-token deadline)).');
  });

  it('says why a skipped circuit opened: the endpoint last error', () => {
    expect(
      describeAttempt(
        LlmProviderErrorCode.CircuitOpen,
        new LlmProviderError(LlmProviderErrorCode.CircuitOpen, 'skipped: 3 failures in a row, circuit open; next probe in 1.5 s', { phase: 'before_first_token' }),
        new LlmProviderError(LlmProviderErrorCode.Unavailable, 'connection to 10.0.0.9:8000 refused (ECONNREFUSED: nothing listens there)', { phase: 'before_first_token' }),
      ),
    ).toBe('skipped: 3 failures in a row, circuit open; next probe in 1.5 s; last error: connection to 10.0.0.9:8000 refused (ECONNREFUSED: nothing listens there)');
  });

  it("uses the agent's deadlines where it set them, llm-router's otherwise", () => {
    const sut = chainsWith({ LLM_FIRST_TOKEN_MS: 7_000, LLM_INTER_TOKEN_MS: 3_000 });

    expect(sut.forAgent(agent()).deadlines).toEqual({ firstTokenMs: 7_000, interTokenMs: 3_000 });
    expect(sut.forAgent(agent({ deadlines: null })).deadlines).toEqual({ firstTokenMs: 7_000, interTokenMs: 3_000 });
    expect(sut.forAgent(agent({ deadlines: { llm_first_token_ms: 20_000, llm_inter_token_ms: null } })).deadlines).toEqual({ firstTokenMs: 20_000, interTokenMs: 3_000 });
    // Out of bounds (an old row, a hand-made message): ignored.
    expect(sut.forAgent(agent({ deadlines: { llm_first_token_ms: 5 } })).deadlines).toEqual({ firstTokenMs: 7_000, interTokenMs: 3_000 });
  });

  it('sends explicit openai_compatible steps without a base URL to OLLAMA_BASE_URL, with their own model', () => {
    const sut = chainsWith({ OLLAMA_BASE_URL: 'http://ollama.lan:11434/v1' });

    const { describeFailure } = sut.forAgent(agent({ llm_provider: 'openai_compatible', llm_model: 'mistral' }));

    expect(describeFailure(exhausted('http://ollama.lan:11434/v1', 'openai-compatible', 'mistral'))).toContain(
      'no LLM answered: openai_compatible http://ollama.lan:11434/v1 (unavailable)',
    );
  });
});
