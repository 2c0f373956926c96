import { Writable } from 'node:stream';
import type { AgentDto } from '@voxbridge/contracts';
import { AppLogger } from '@voxbridge/platform';
import { freePort } from '@voxbridge/testing';
import { LlmRouterEnv } from '../config/llm-router.env';
import { LlmFallbackExhaustedError } from '../providers/fallback';
import { LlmProviderError, LlmProviderErrorCode } from '../providers/llm-provider.errors';
import { describeOllamaFailure, ProviderChains, resolveStep, type AutoLlmSettings } from './provider-chains';

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
    expect(describeFailure(failure as LlmFallbackExhaustedError)).toBe(
      `No LLM reachable: Ollama at ${ollama} refused the connection — start Ollama (ollama serve; ollama pull qwen2.5) ` +
        'or set OPENROUTER_API_KEY on llm-router, or point the agent at another provider.',
    );
  });

  it('keeps the usual message for an agent that auto sent to OpenRouter', () => {
    const sut = chainsWith({ OPENROUTER_API_KEY: 'sk-or-test', OPENROUTER_BASE_URL: 'https://openrouter.example/api/v1' });

    const { describeFailure } = sut.forAgent(agent());

    expect(describeFailure(exhausted('https://openrouter.example/api/v1', 'openrouter', 'anthropic/claude-3.5-sonnet'))).toBe(
      "no LLM answered: openrouter (unavailable). Set OPENROUTER_API_KEY on llm-router, or point the agent's LLM provider at a running server.",
    );
  });

  it('sends explicit openai_compatible steps without a base URL to OLLAMA_BASE_URL, with their own model', () => {
    const sut = chainsWith({ OLLAMA_BASE_URL: 'http://ollama.lan:11434/v1' });

    const { describeFailure } = sut.forAgent(agent({ llm_provider: 'openai_compatible', llm_model: 'mistral' }));

    expect(describeFailure(exhausted('http://ollama.lan:11434/v1', 'openai-compatible', 'mistral'))).toContain(
      'no LLM answered: openai_compatible http://ollama.lan:11434/v1 (unavailable)',
    );
  });
});
