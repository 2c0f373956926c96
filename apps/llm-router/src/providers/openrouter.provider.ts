import { HttpTimeouts } from './http-attempt';
import { OpenAiCompatibleProvider } from './openai-compatible.provider';

export const OPENROUTER_BASE_URL = 'https://openrouter.ai/api/v1';

export interface OpenRouterOptions {
  apiKey: string;
  /** Stored on turns; `fake-openrouter` when it is the launcher's scripted stand-in. */
  name?: string;
  /** Only tests and proxies change it. */
  baseUrl?: string;
  /** OpenRouter's app attribution headers (`HTTP-Referer`, `X-Title`). */
  referer?: string;
  title?: string;
  timeouts?: Partial<HttpTimeouts>;
}

/** OpenRouter: the OpenAI wire format with a key and app attribution, timeouts as the original had them. */
export function createOpenRouterProvider(options: OpenRouterOptions): OpenAiCompatibleProvider {
  return new OpenAiCompatibleProvider({
    name: options.name ?? 'openrouter',
    baseUrl: options.baseUrl ?? OPENROUTER_BASE_URL,
    apiKey: options.apiKey,
    headers: { 'HTTP-Referer': options.referer ?? 'https://voxbridge.local', 'X-Title': options.title ?? 'VoxBridge' },
    timeouts: { connectTimeoutMs: 10_000, firstByteTimeoutMs: 30_000, idleTimeoutMs: 30_000, firstTokenTimeoutMs: 30_000, ...options.timeouts },
  });
}
