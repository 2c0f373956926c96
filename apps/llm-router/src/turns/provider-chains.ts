import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { agentDeadlineMs, type AgentDto } from '@voxbridge/contracts';
import { AppLogger } from '@voxbridge/platform';
import { LlmRouterEnv } from '../config/llm-router.env';
import { CircuitBreakerRegistry } from '../providers/circuit-breaker';
import type { LlmDeadlines } from '../providers/deadlines';
import { FallbackChain, LlmFallbackExhaustedError, type FailedAttempt, type FallbackEntry } from '../providers/fallback';
import type { LlmProvider } from '../providers/llm-provider';
import { LlmProviderError, LlmProviderErrorCode } from '../providers/llm-provider.errors';
import { N8nWebhookProvider } from '../providers/n8n-webhook.provider';
import { OpenAiCompatibleProvider } from '../providers/openai-compatible.provider';
import { createOpenRouterProvider } from '../providers/openrouter.provider';

/** One agent's providers for one turn, and how to tell the user why none answered. */
export interface AgentChain {
  /** Undefined when no step of the agent could be configured. */
  chain: FallbackChain | undefined;
  /** A message fit to show: every step, why it did not answer, and how to configure it. */
  describeFailure(error: LlmProviderError | undefined): string;
  /** The deadlines this agent's turns run with (its own, else llm-router's defaults). */
  deadlines: LlmDeadlines;
}

/** One step of the agent's chain as stored; the primary's provider may be `auto`. */
type Step = { provider: AgentDto['llm_provider']; model: string; baseUrl: string | null };

/** A step with `auto` decided. `ollama`: the local default, whose failures come with their own advice. */
export interface ResolvedStep {
  provider: Exclude<AgentDto['llm_provider'], 'auto'>;
  model: string;
  baseUrl: string | null;
  ollama?: true;
}

export interface AutoLlmSettings {
  openRouterApiKey?: string;
  ollamaBaseUrl: string;
  ollamaModel: string;
}

/**
 * What `llm_provider: auto` means on this llm-router: OpenRouter with the agent's model when
 * OPENROUTER_API_KEY is set (at OPENROUTER_BASE_URL: the key never goes to an agent's URL); else the
 * agent's own OpenAI-compatible server when it has `llm_base_url`; else Ollama at OLLAMA_BASE_URL with
 * OLLAMA_MODEL (the agent's `llm_model` is an OpenRouter id Ollama would not know). Others pass through.
 */
export function resolveStep(step: Step, settings: AutoLlmSettings): ResolvedStep {
  if (step.provider !== 'auto') return { provider: step.provider, model: step.model, baseUrl: step.baseUrl };
  if (settings.openRouterApiKey) return { provider: 'openrouter', model: step.model, baseUrl: null };
  if (step.baseUrl) return { provider: 'openai_compatible', model: step.model, baseUrl: step.baseUrl };
  return { provider: 'openai_compatible', model: settings.ollamaModel, baseUrl: settings.ollamaBaseUrl, ollama: true };
}

/**
 * Why the Ollama default did not answer, in words a user can act on. `failure`: this attempt's
 * error, or for an open circuit the endpoint's last one.
 */
export function describeOllamaFailure(endpoint: string, model: string, code: LlmProviderErrorCode, failure: LlmProviderError | undefined): string {
  const again = code === LlmProviderErrorCode.CircuitOpen ? ' (repeatedly; paused for a cool-down)' : '';
  if (failure && refusedConnection(failure)) return `Ollama at ${endpoint} refused the connection${again}`;
  if (failure?.status === 404) return `Ollama at ${endpoint} has no model ${model}${again}`;
  return `Ollama at ${endpoint} (${failure?.message ?? describeCode(code)})${again}`;
}

/** The advice closing every failure message of an agent on the Ollama default. */
export function ollamaAdvice(model: string): string {
  return `start Ollama (ollama serve; ollama pull ${model}) or set OPENROUTER_API_KEY on llm-router, or point the agent at another provider.`;
}

/**
 * Builds the agent's fallback chain from its settings and the env. Providers are pooled per endpoint
 * (their HTTP connections are reused across turns); one circuit breaker registry per process.
 */
@Injectable()
export class ProviderChains implements OnApplicationShutdown {
  private readonly providers = new Map<string, LlmProvider>();
  /** Each endpoint's last failure, across turns: an open circuit still says why it opened. */
  private readonly lastFailures = new Map<string, LlmProviderError>();
  private readonly breakers: CircuitBreakerRegistry;

  constructor(
    private readonly config: LlmRouterEnv,
    private readonly logger: AppLogger,
  ) {
    this.breakers = new CircuitBreakerRegistry({
      failureThreshold: config.LLM_BREAKER_FAILURE_THRESHOLD,
      coolDownMs: config.LLM_BREAKER_COOL_DOWN_MS,
      maxCoolDownMs: config.LLM_BREAKER_MAX_COOL_DOWN_MS,
    });
  }

  /** The agent's deadlines where it set them, else this llm-router's (LLM_FIRST_TOKEN_MS, LLM_INTER_TOKEN_MS). */
  deadlinesFor(agent: Pick<AgentDto, 'deadlines'>): LlmDeadlines {
    return {
      firstTokenMs: agentDeadlineMs(agent.deadlines, 'llm_first_token_ms', this.config.LLM_FIRST_TOKEN_MS),
      interTokenMs: agentDeadlineMs(agent.deadlines, 'llm_inter_token_ms', this.config.LLM_INTER_TOKEN_MS),
    };
  }

  forAgent(agent: AgentDto): AgentChain {
    const settings: AutoLlmSettings = {
      openRouterApiKey: this.config.OPENROUTER_API_KEY,
      ollamaBaseUrl: this.config.OLLAMA_BASE_URL,
      ollamaModel: this.config.OLLAMA_MODEL,
    };
    const steps = [
      { provider: agent.llm_provider, model: agent.llm_model, baseUrl: agent.llm_base_url },
      ...(Array.isArray(agent.fallback) ? agent.fallback : []).map((s) => ({ provider: s.provider, model: s.model, baseUrl: s.base_url ?? null })),
    ].map((step) => resolveStep(step, settings));
    const skipped: string[] = [];
    const describers = new Map<string, (attempt: FailedAttempt) => string>();
    const entries: FallbackEntry[] = [];
    let ollamaModel: string | undefined;
    let keyMissing = false;
    for (const step of steps) {
      const built = this.build(step, agent);
      if ('skipped' in built) {
        skipped.push(built.skipped);
        keyMissing ||= built.keyMissing === true;
        continue;
      }
      const { endpoint } = built.provider;
      if (step.ollama) {
        ollamaModel = step.model;
        describers.set(endpoint, (a) =>
          describeOllamaFailure(endpoint, a.model, a.code, a.code === LlmProviderErrorCode.CircuitOpen ? this.lastFailures.get(endpoint) : a.error),
        );
      } else if (!describers.has(endpoint)) {
        describers.set(endpoint, (a) => `${built.label} (${describeAttempt(a.code, a.error, this.lastFailures.get(endpoint))})`);
      }
      entries.push({ provider: built.provider, model: step.model });
    }
    const deadlines = this.deadlinesFor(agent);
    const chain = entries.length > 0 ? new FallbackChain(entries, {
            breakers: this.breakers,
            deadlines,
            // Each endpoint's last failure, across turns: an open circuit still says why it opened.
            onFailure: (endpoint, error) => this.lastFailures.set(endpoint, error),
          }) : undefined;
    return {
      chain,
      deadlines,
      describeFailure: (error) => {
        const tried =
          error instanceof LlmFallbackExhaustedError
            ? error.attempts.map((a) => describers.get(a.endpoint)?.(a) ?? `${a.provider} (${describeCode(a.code)})`)
            : [];
        const parts = [...tried, ...skipped];
        if (ollamaModel !== undefined) return `No LLM reachable: ${parts.join(', ')} — ${ollamaAdvice(ollamaModel)}`;
        // Advice only for what is really wrong: the key when a step needed it and it is not set.
        const advice = keyMissing ? ' Set OPENROUTER_API_KEY on llm-router, or point the agent at another provider.' : '';
        return `no LLM answered: ${parts.join(', ') || 'the agent has no LLM provider'}.${advice}`;
      },
    };
  }

  async onApplicationShutdown(): Promise<void> {
    const providers = [...this.providers.values()];
    this.providers.clear();
    await Promise.all(providers.map((p) => p.close().catch((error: unknown) => this.logger.warn('llm provider close failed', { err: error }))));
  }

  private build(step: ResolvedStep, agent: AgentDto): { provider: LlmProvider; label: string } | { skipped: string; keyMissing?: true } {
    switch (step.provider) {
      case 'openrouter': {
        const apiKey = this.config.OPENROUTER_API_KEY;
        if (!apiKey) return { skipped: 'openrouter (no OPENROUTER_API_KEY set on llm-router)', keyMissing: true };
        const baseUrl = step.baseUrl ?? this.config.OPENROUTER_BASE_URL;
        // Under `--fake-providers` the configured OpenRouter is the launcher's scripted server: turns say so.
        const name = this.config.VOXBRIDGE_FAKE_PROVIDERS === '1' && baseUrl === this.config.OPENROUTER_BASE_URL ? 'fake-openrouter' : 'openrouter';
        return { provider: this.pooled(`openrouter|${baseUrl}`, () => createOpenRouterProvider({ apiKey, baseUrl, name })), label: name };
      }
      case 'openai_compatible': {
        const baseUrl = step.baseUrl ?? this.config.OLLAMA_BASE_URL;
        // `auto` on the Ollama default is stored and shown as `ollama`, the name the System page and fleet health use.
        const name = step.ollama ? 'ollama' : 'openai-compatible';
        const provider = this.pooled(`${name}|${baseUrl}`, () => new OpenAiCompatibleProvider({ baseUrl, name }));
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

/**
 * Nothing listens at the address: the server is not running (ECONNREFUSED anywhere in the causes).
 * Duck-typed: socket errors may come from another realm (Jest), where `instanceof Error` fails.
 */
function refusedConnection(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0 && seen.size < 16) {
    const current = pending.shift();
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    const { code, cause, errors } = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (code === 'ECONNREFUSED') return true;
    pending.push(cause);
    if (Array.isArray(errors)) pending.push(...(errors as unknown[]));
  }
  return false;
}

/**
 * What happened to one attempt, as it really was: this turn's error (HTTP status and the provider's
 * words, which deadline, which host refused); for a skipped open circuit, why and the endpoint's
 * last error.
 */
export function describeAttempt(code: LlmProviderErrorCode, failure: LlmProviderError | undefined, lastFailure: LlmProviderError | undefined): string {
  if (code === LlmProviderErrorCode.CircuitOpen) {
    const why = failure?.message ?? describeCode(code);
    return lastFailure ? `${why}; last error: ${lastFailure.message}` : why;
  }
  if (code === LlmProviderErrorCode.Unauthorized && failure) return `key rejected: ${failure.message}`;
  return failure?.message ?? describeCode(code);
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
