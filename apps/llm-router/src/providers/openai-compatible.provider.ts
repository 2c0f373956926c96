import { Agent } from 'undici';
import { createDispatcher, HttpAttempt, HttpTimeouts, OpenedResponse } from './http-attempt';
import { LlmChunk, LlmProvider, LlmProviderCapabilities, LlmStreamRequest, LlmUsage } from './llm-provider';
import { codeForHttpStatus, LlmProviderErrorCode } from './llm-provider.errors';
import { decodeChatCompletionEvent } from './openai-wire';
import { SseParser } from './sse-parser';

export interface OpenAiCompatibleOptions {
  /** Stored on turns and used in errors: `openai-compatible`, `openrouter`, ... */
  name?: string;
  /** e.g. `http://127.0.0.1:11434/v1` (Ollama), `https://openrouter.ai/api/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer` when set. */
  apiKey?: string;
  /** Extra headers on every request (OpenRouter's `HTTP-Referer` and `X-Title`). */
  headers?: Record<string, string>;
  timeouts?: Partial<HttpTimeouts>;
}

/** Local servers may need to load a model first (the original allowed 120 s). */
const LOCAL_TIMEOUTS: HttpTimeouts = {
  connectTimeoutMs: 10_000,
  firstByteTimeoutMs: 120_000,
  idleTimeoutMs: 120_000,
  firstTokenTimeoutMs: 120_000,
};

/**
 * `POST {base}/chat/completions` with `stream: true`, read as Server-Sent Events as the bytes
 * arrive (the original local provider buffered the whole answer). Serves OpenRouter, Ollama, vLLM,
 * LM Studio and anything else speaking the OpenAI wire format.
 */
export class OpenAiCompatibleProvider implements LlmProvider {
  readonly name: string;
  readonly endpoint: string;
  readonly capabilities: LlmProviderCapabilities = { streaming: 'native' };
  private readonly timeouts: HttpTimeouts;
  private readonly dispatcher: Agent;

  constructor(private readonly options: OpenAiCompatibleOptions) {
    this.name = options.name ?? 'openai-compatible';
    this.endpoint = options.baseUrl.replace(/\/+$/, '');
    this.timeouts = { ...LOCAL_TIMEOUTS, ...options.timeouts };
    this.dispatcher = createDispatcher(this.timeouts);
  }

  async *stream(request: LlmStreamRequest): AsyncGenerator<LlmChunk, void, undefined> {
    const attempt = new HttpAttempt(this.name, request.signal, request.timeoutMs ?? this.timeouts.firstTokenTimeoutMs);
    const body = {
      model: request.model,
      messages: request.messages.map(({ role, content }) => ({ role, content })),
      temperature: request.temperature,
      stream: true,
      ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
    };
    yield* attempt.run(
      () => attempt.post(this.dispatcher, `${this.endpoint}/chat/completions`, this.headers(), body),
      (response) => this.read(response, attempt),
    );
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = { accept: 'text/event-stream', ...this.options.headers };
    if (this.options.apiKey) headers['authorization'] = `Bearer ${this.options.apiKey}`;
    return headers;
  }

  private async *read(response: OpenedResponse, attempt: HttpAttempt): AsyncGenerator<LlmChunk, void, undefined> {
    const parser = new SseParser();
    const decoder = new TextDecoder();
    let finishReason: string | null = null;
    let usage: LlmUsage | undefined;
    // A server that ignores `stream: true` answers with one JSON completion: the same decoder reads it.
    const sse = response.contentType.includes('text/event-stream');
    let whole = '';
    const finish = (): LlmChunk => (usage ? { type: 'finish', finishReason, usage } : { type: 'finish', finishReason });

    for await (const bytes of response.body as AsyncIterable<Buffer>) {
      const text = decoder.decode(bytes, { stream: true });
      if (!sse) {
        whole += text;
        continue;
      }
      for (const event of parser.push(text)) {
        const decoded = decodeChatCompletionEvent(event.data);
        switch (decoded.kind) {
          case 'done':
            yield finish();
            return;
          case 'error': {
            const status = decoded.status;
            const code = status === undefined ? LlmProviderErrorCode.Unavailable : codeForHttpStatus(status);
            throw attempt.error(code, `provider error in stream: ${decoded.message}`, status);
          }
          case 'invalid':
            throw attempt.error(LlmProviderErrorCode.Protocol, `bad stream event: ${decoded.message}`);
          case 'chunk':
            finishReason = decoded.finishReason ?? finishReason;
            usage = decoded.usage ?? usage;
            if (decoded.text) {
              attempt.markFirstToken();
              yield { type: 'delta', text: decoded.text };
            }
        }
      }
    }
    if (!sse) {
      const decoded = decodeChatCompletionEvent(whole + decoder.decode());
      if (decoded.kind !== 'chunk') throw attempt.error(LlmProviderErrorCode.Protocol, 'reply is neither an SSE stream nor a completion');
      if (decoded.text) {
        attempt.markFirstToken();
        yield { type: 'delta', text: decoded.text };
      }
      finishReason = decoded.finishReason;
      usage = decoded.usage;
      yield finish();
      return;
    }
    // No [DONE]: acceptable only when the server already said why it stopped.
    for (const event of parser.end()) {
      if (decodeChatCompletionEvent(event.data).kind === 'done') finishReason ??= 'stop';
    }
    if (finishReason === null) throw attempt.error(LlmProviderErrorCode.Protocol, 'stream ended before [DONE]');
    yield finish();
  }
}
