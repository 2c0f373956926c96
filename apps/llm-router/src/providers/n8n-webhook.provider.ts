import { Agent } from 'undici';
import { createDispatcher, HttpAttempt, HttpTimeouts, OpenedResponse } from './http-attempt';
import { ChatMessage, LlmChunk, LlmProvider, LlmProviderCapabilities, LlmStreamRequest } from './llm-provider';
import { LlmProviderErrorCode } from './llm-provider.errors';
import { detectN8nReply, extractN8nSseText, extractN8nText } from './n8n-reply';
import { SseParser } from './sse-parser';

export interface N8nWebhookOptions {
  /** The full webhook URL (a secret: it is the only credential n8n webhooks have). */
  webhookUrl: string;
  timeouts?: Partial<HttpTimeouts>;
}

/** The original allowed 60 s for a whole workflow. */
const N8N_TIMEOUTS: HttpTimeouts = {
  connectTimeoutMs: 10_000,
  firstByteTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
  firstTokenTimeoutMs: 60_000,
};

/** The body the original sent (`discord_plugin.py:_generate_response`). */
export interface N8nWebhookBody {
  sessionId: string | null;
  userId: string | null;
  username: string | null;
  text: string;
  conversationHistory: Array<{ role: string; content: string }>;
  agentConfig: { name: string | null; systemPrompt: string; temperature: number; model: string };
}

export function n8nBody(request: LlmStreamRequest): N8nWebhookBody {
  const system = request.messages.filter((m) => m.role === 'system');
  const dialogue = request.messages.filter((m) => m.role !== 'system');
  const last = dialogue[dialogue.length - 1];
  const userTurn: ChatMessage | undefined = last?.role === 'user' ? last : undefined;
  const history = userTurn ? dialogue.slice(0, -1) : dialogue;
  return {
    sessionId: request.sessionId ?? null,
    userId: request.caller?.userId ?? null,
    username: request.caller?.userName ?? null,
    text: userTurn?.content ?? '',
    conversationHistory: history.map(({ role, content }) => ({ role, content })),
    agentConfig: {
      name: request.caller?.agentName ?? null,
      systemPrompt: system.map((m) => m.content).join('\n\n'),
      temperature: request.temperature,
      model: request.model,
    },
  };
}

/**
 * An n8n workflow behind a webhook. The reply's Content-Type decides how it is read: SSE and
 * text/plain are streamed as they arrive, JSON is read whole and its text field found.
 */
export class N8nWebhookProvider implements LlmProvider {
  readonly name = 'n8n';
  readonly endpoint: string;
  /** Native when the workflow streams (SSE, text/plain); a JSON reply arrives as one delta. */
  readonly capabilities: LlmProviderCapabilities = { streaming: 'native' };
  private readonly timeouts: HttpTimeouts;
  private readonly dispatcher: Agent;

  constructor(private readonly options: N8nWebhookOptions) {
    const url = new URL(options.webhookUrl);
    // The webhook path is its secret: the breaker key and errors name only the origin.
    this.endpoint = `n8n:${url.origin}${url.pathname.length > 1 ? '/…' : ''}#${hashOf(url.pathname)}`;
    this.timeouts = { ...N8N_TIMEOUTS, ...options.timeouts };
    this.dispatcher = createDispatcher(this.timeouts);
  }

  async *stream(request: LlmStreamRequest): AsyncGenerator<LlmChunk, void, undefined> {
    const attempt = new HttpAttempt(this.name, request.signal, request.timeoutMs ?? this.timeouts.firstTokenTimeoutMs);
    const accept = { accept: 'text/event-stream, text/plain, application/json' };
    yield* attempt.run(
      () => attempt.post(this.dispatcher, this.options.webhookUrl, accept, n8nBody(request)),
      (response) => this.read(response, attempt),
    );
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async *read(response: OpenedResponse, attempt: HttpAttempt): AsyncGenerator<LlmChunk, void, undefined> {
    const kind = detectN8nReply(response.contentType);
    const decoder = new TextDecoder();
    const body = response.body as AsyncIterable<Buffer>;
    let produced = false;
    const emit = (text: string): LlmChunk | undefined => {
      if (!text) return undefined;
      produced = true;
      attempt.markFirstToken();
      return { type: 'delta', text };
    };

    if (kind === 'json') {
      let whole = '';
      for await (const bytes of body) whole += decoder.decode(bytes, { stream: true });
      const text = extractN8nText(whole + decoder.decode());
      const chunk = text === undefined ? undefined : emit(text);
      if (!chunk) throw attempt.error(LlmProviderErrorCode.Protocol, 'n8n reply holds no text (response, output or text)');
      yield chunk;
      yield { type: 'finish', finishReason: 'stop' };
      return;
    }

    const parser = kind === 'sse' ? new SseParser() : undefined;
    for await (const bytes of body) {
      const text = decoder.decode(bytes, { stream: true });
      if (!parser) {
        const chunk = emit(text);
        if (chunk) yield chunk;
        continue;
      }
      for (const event of parser.push(text)) {
        if (event.data.trim() === '[DONE]') {
          yield* this.finish(produced, attempt);
          return;
        }
        const chunk = emit(extractN8nSseText(event.data));
        if (chunk) yield chunk;
      }
    }
    const rest = decoder.decode();
    for (const event of parser ? parser.push(rest).concat(parser.end()) : []) {
      if (event.data.trim() === '[DONE]') break;
      const chunk = emit(extractN8nSseText(event.data));
      if (chunk) yield chunk;
    }
    if (!parser) {
      const chunk = emit(rest);
      if (chunk) yield chunk;
    }
    yield* this.finish(produced, attempt);
  }

  private *finish(produced: boolean, attempt: HttpAttempt): Generator<LlmChunk, void, undefined> {
    if (!produced) throw attempt.error(LlmProviderErrorCode.Protocol, 'n8n reply was empty');
    yield { type: 'finish', finishReason: 'stop' };
  }
}

/** Short stable tag so two webhooks on one origin get two breakers without logging the path. */
function hashOf(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}
