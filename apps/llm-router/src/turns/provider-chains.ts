import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { AgentDto } from '@voxbridge/contracts';
import { AppLogger } from '@voxbridge/platform';
import { LlmRouterEnv } from '../config/llm-router.env';
import { CircuitBreakerRegistry } from '../providers/circuit-breaker';
import { FallbackChain, LlmFallbackExhaustedError, type FallbackEntry } from '../providers/fallback';
import type { LlmChunk, LlmProvider, LlmStreamRequest } from '../providers/llm-provider';
import { LlmProviderError, LlmProviderErrorCode } from '../providers/llm-provider.errors';
import { N8nWebhookProvider } from '../providers/n8n-webhook.provider';
import { OpenAiCompatibleProvider } from '../providers/openai-compatible.provider';
import { createOpenRouterProvider } from '../providers/openrouter.provider';

/** Where an agent without `llm_base_url` sends OpenAI-compatible requests: Ollama's default address. */
export const DEFAULT_OPENAI_COMPATIBLE_URL = 'http://127.0.0.1:11434/v1';

/** One agent's providers for one turn, and how to tell the user why none answered. */
export interface AgentChain {
  /** Undefined when no step of the agent could be configured. */
  chain: FallbackChain | undefined;
  /** A message fit to show: every step, why it did not answer, and how to configure it. */
  describeFailure(error: LlmProviderError | undefined): string;
}

type Step = { provider: AgentDto['llm_provider']; model: string; baseUrl: string | null };

/**
 * Builds the agent's fallback chain from its settings and the env. Providers are pooled per endpoint
 * (their HTTP connections are reused across turns); one circuit breaker registry per process.
 */
@Injectable()
export class ProviderChains implements OnApplicationShutdown {
  private readonly providers = new Map<string, LlmProvider>();
  private readonly breakers: CircuitBreakerRegistry;

  constructor(
    private readonly config: LlmRouterEnv,
    private readonly logger: AppLogger,
  ) {
    this.breakers = new CircuitBreakerRegistry({ failureThreshold: config.LLM_BREAKER_FAILURE_THRESHOLD, coolDownMs: config.LLM_BREAKER_COOL_DOWN_MS });
  }

  forAgent(agent: AgentDto): AgentChain {
    const steps: Step[] = [
      { provider: agent.llm_provider, model: agent.llm_model, baseUrl: agent.llm_base_url },
      ...(Array.isArray(agent.fallback) ? agent.fallback : []).map((s) => ({ provider: s.provider, model: s.model, baseUrl: s.base_url ?? null })),
    ];
    const skipped: string[] = [];
    const failures = new Map<string, string>();
    const labels = new Map<string, string>();
    const entries: FallbackEntry[] = [];
    for (const step of steps) {
      const built = this.build(step, agent);
      if ('skipped' in built) {
        skipped.push(built.skipped);
        continue;
      }
      labels.set(built.provider.endpoint, built.label);
      entries.push({ provider: new RecordingProvider(built.provider, failures), model: step.model });
    }
    const chain = entries.length > 0 ? new FallbackChain(entries, { breakers: this.breakers, attemptTimeoutMs: this.config.LLM_ATTEMPT_TIMEOUT_MS }) : undefined;
    return {
      chain,
      describeFailure: (error) => {
        const tried =
          error instanceof LlmFallbackExhaustedError
            ? error.attempts.map((a) => `${labels.get(a.endpoint) ?? a.provider} (${failures.get(a.endpoint) ?? describeCode(a.code)})`)
            : [];
        const parts = [...tried, ...skipped];
        return `no LLM answered: ${parts.join(', ') || 'the agent has no LLM provider'}. Set OPENROUTER_API_KEY on llm-router, or point the agent's LLM provider at a running server.`;
      },
    };
  }

  async onApplicationShutdown(): Promise<void> {
    const providers = [...this.providers.values()];
    this.providers.clear();
    await Promise.all(providers.map((p) => p.close().catch((error: unknown) => this.logger.warn('llm provider close failed', { err: error }))));
  }

  private build(step: Step, agent: AgentDto): { provider: LlmProvider; label: string } | { skipped: string } {
    switch (step.provider) {
      case 'openrouter': {
        const apiKey = this.config.OPENROUTER_API_KEY;
        if (!apiKey) return { skipped: 'openrouter (no OPENROUTER_API_KEY set on llm-router)' };
        const baseUrl = step.baseUrl ?? this.config.OPENROUTER_BASE_URL;
        return { provider: this.pooled(`openrouter|${baseUrl}`, () => createOpenRouterProvider({ apiKey, baseUrl })), label: 'openrouter' };
      }
      case 'openai_compatible': {
        const baseUrl = step.baseUrl ?? DEFAULT_OPENAI_COMPATIBLE_URL;
        const provider = this.pooled(`openai-compatible|${baseUrl}`, () => new OpenAiCompatibleProvider({ baseUrl }));
        return { provider, label: `openai_compatible ${provider.endpoint}` };
      }
      case 'n8n': {
        const webhookUrl = agent.n8n_webhook_url;
        if (!webhookUrl) return { skipped: 'n8n (the agent has no n8n_webhook_url)' };
        try {
          // The URL is the webhook's only credential: it appears in no label.
          return { provider: this.pooled(`n8n|${webhookUrl}`, () => new N8nWebhookProvider({ webhookUrl })), label: 'n8n webhook' };
        } catch (error) {
          this.logger.warn('agent n8n webhook url rejected', { agent_id: agent.id, err: error });
          return { skipped: 'n8n (the agent n8n_webhook_url is not a valid URL)' };
        }
      }
      default:
        return { skipped: `${String(step.provider)} (unknown LLM provider)` };
    }
  }

  private pooled(key: string, create: () => LlmProvider): LlmProvider {
    let provider = this.providers.get(key);
    if (!provider) {
      provider = create();
      this.providers.set(key, provider);
    }
    return provider;
  }
}

/** Passes a pooled provider through, remembering each endpoint's last failure message for this turn. */
class RecordingProvider implements LlmProvider {
  constructor(
    private readonly inner: LlmProvider,
    private readonly failures: Map<string, string>,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  get endpoint(): string {
    return this.inner.endpoint;
  }

  get capabilities() {
    return this.inner.capabilities;
  }

  async *stream(request: LlmStreamRequest): AsyncGenerator<LlmChunk, void, undefined> {
    try {
      yield* this.inner.stream(request);
    } catch (error) {
      if (error instanceof LlmProviderError && error.code !== LlmProviderErrorCode.Aborted) this.failures.set(this.inner.endpoint, error.message);
      throw error;
    }
  }

  /** The pooled provider outlives the turn; ProviderChains closes it. */
  async close(): Promise<void> {
    return undefined;
  }
}

function describeCode(code: LlmProviderErrorCode): string {
  switch (code) {
    case LlmProviderErrorCode.CircuitOpen:
      return 'skipped: failed repeatedly, circuit open';
    case LlmProviderErrorCode.Unauthorized:
      return 'key rejected';
    case LlmProviderErrorCode.RateLimited:
      return 'rate limited';
    case LlmProviderErrorCode.Timeout:
      return 'no answer in time';
    case LlmProviderErrorCode.BadRequest:
      return 'request rejected';
    case LlmProviderErrorCode.Protocol:
      return 'unexpected reply';
    case LlmProviderErrorCode.Aborted:
      return 'aborted';
    case LlmProviderErrorCode.Unavailable:
      return 'unavailable';
  }
}
