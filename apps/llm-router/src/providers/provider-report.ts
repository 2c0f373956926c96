import { Injectable } from '@nestjs/common';
import { serverReachable, ProviderReports, type ProviderDescription } from '@voxbridge/platform';
import { LlmRouterEnv } from '../config/llm-router.env';

/**
 * What `llm_provider: auto` stands for with this configuration (for an agent without its own
 * `llm_base_url`): OpenRouter when OPENROUTER_API_KEY is set, else Ollama at OLLAMA_BASE_URL.
 * The check connects to the server without sending a request.
 */
export function describeLlmProviders(config: LlmRouterEnv): ProviderDescription[] {
  const fake = config.VOXBRIDGE_FAKE_PROVIDERS === '1';
  if (config.OPENROUTER_API_KEY) {
    const url = config.OPENROUTER_BASE_URL;
    return [{ stage: 'llm', kind: 'auto', resolved: 'openrouter', target: url, fake, probe: () => serverReachable(url) }];
  }
  const url = config.OLLAMA_BASE_URL;
  return [{ stage: 'llm', kind: 'auto', resolved: 'ollama', target: url, detail: `model ${config.OLLAMA_MODEL}`, fake, probe: () => serverReachable(url) }];
}

/** Registers llm-router's providers for the fleet census. */
@Injectable()
export class LlmProviderReport {
  constructor(reports: ProviderReports, config: LlmRouterEnv) {
    reports.register(() => describeLlmProviders(config));
  }
}
