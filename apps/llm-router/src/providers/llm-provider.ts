/**
 * The one small interface every LLM provider implements (OpenRouter, OpenAI-compatible servers,
 * n8n webhooks). Providers hold no per-session state; the fallback chain and circuit breakers sit
 * on top (see fallback.ts).
 */

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface LlmStreamRequest {
  messages: readonly ChatMessage[];
  model: string;
  temperature: number;
  maxTokens?: number;
  sessionId?: string;
  /** Forwarded by providers that want them (n8n); never logged. */
  caller?: { userId?: string; userName?: string; agentName?: string };
  /** Aborting closes the HTTP request and ends the stream with `aborted`. */
  signal: AbortSignal;
  /** Deadline for the first token of this attempt (connect and first byte included). */
  timeoutMs?: number;
}

export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export type LlmChunk =
  | { type: 'delta'; text: string }
  /** Last chunk of a stream that ended well; usage only when the provider reports it. */
  | { type: 'finish'; finishReason: string | null; usage?: LlmUsage };

export interface LlmProviderCapabilities {
  /** `native`: deltas arrive as the model produces them; `buffered`: the whole answer arrives at once. */
  streaming: 'native' | 'buffered';
}

export interface LlmProvider {
  /** Provider kind as stored on turns (`openrouter`, `openai-compatible`, `n8n`). */
  readonly name: string;
  /** Where requests go; the circuit breaker key. Never contains a key. */
  readonly endpoint: string;
  readonly capabilities: LlmProviderCapabilities;
  /** Yields text deltas, then one `finish` chunk; throws `LlmProviderError` on failure. */
  stream(request: LlmStreamRequest): AsyncIterable<LlmChunk>;
  /** Closes pooled connections. */
  close(): Promise<void>;
}
