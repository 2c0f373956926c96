import { FakeLlmEvent, FakeLlmRequest, FakeLlmScript, FakeWire, ScriptedHttpServer } from './scripted-http-server';

export interface FakeOpenAiCompatibleOptions {
  /** When set, requests without `Authorization: Bearer <apiKey>` get a 401 like OpenRouter's. */
  apiKey?: string;
  /** Send an SSE comment right after the headers, as OpenRouter does (`: OPENROUTER PROCESSING`). */
  keepAliveComment?: boolean;
}

/**
 * An OpenAI-compatible chat completions server (also standing in for OpenRouter): `POST
 * {url}/chat/completions` streamed as SSE `data:` chunks ending with usage and `[DONE]`, or one
 * JSON completion when `stream` is false. `GET {url}/models` lists the models seen.
 */
export class FakeOpenAiCompatibleServer {
  private constructor(private readonly server: ScriptedHttpServer) {}

  static async start(options: FakeOpenAiCompatibleOptions = {}): Promise<FakeOpenAiCompatibleServer> {
    return new FakeOpenAiCompatibleServer(await ScriptedHttpServer.start(openAiWire(options), {}));
  }

  /** Base URL to configure a provider with (`…/v1`). */
  get url(): string {
    return `${this.server.origin}/v1`;
  }

  get requests(): readonly FakeLlmRequest[] {
    return this.server.requests;
  }

  get events(): readonly FakeLlmEvent[] {
    return this.server.events;
  }

  script(...scripts: FakeLlmScript[]): void {
    this.server.script(...scripts);
  }

  release(): void {
    this.server.release();
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

function openAiWire(options: FakeOpenAiCompatibleOptions): FakeWire<FakeLlmScript> {
  const model = (request: FakeLlmRequest) => {
    const body = request.body as { model?: unknown } | undefined;
    return typeof body?.model === 'string' ? body.model : 'fake-model';
  };
  const streaming = (request: FakeLlmRequest) => (request.body as { stream?: unknown } | undefined)?.stream === true;
  const chunk = (request: FakeLlmRequest, delta: Record<string, unknown>, finishReason: string | null, extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({
      id: `chatcmpl-fake-${request.index}`,
      object: 'chat.completion.chunk',
      created: 1_764_000_000,
      model: model(request),
      choices: [{ index: 0, delta, finish_reason: finishReason }],
      ...extra,
    })}\n\n`;
  const authorized = (request: FakeLlmRequest) => !options.apiKey || request.headers['authorization'] === `Bearer ${options.apiKey}`;

  return {
    accepts: (method, path) => method === 'POST' && path.endsWith('/chat/completions'),
    head: (request): { status: number; headers: Record<string, string> } =>
      authorized(request)
        ? { status: 200, headers: { 'content-type': streaming(request) ? 'text/event-stream' : 'application/json', 'cache-control': 'no-cache' } }
        : { status: 401, headers: { 'content-type': 'application/json' } },
    preamble: (request) => (options.keepAliveComment && streaming(request) && authorized(request) ? ': OPENROUTER PROCESSING\n\n' : ''),
    keepAlive: (request) => (streaming(request) ? ': OPENROUTER PROCESSING\n\n' : ''),
    token: (request, _script, token, index) =>
      streaming(request) && authorized(request) ? chunk(request, index === 0 ? { role: 'assistant', content: token } : { content: token }, null) : '',
    end: (request, _script, tokens) => {
      if (!authorized(request)) return JSON.stringify({ error: { code: 401, message: 'No auth credentials found' } });
      const usage = { prompt_tokens: 10, completion_tokens: tokens.length, total_tokens: 10 + tokens.length };
      if (!streaming(request)) {
        return JSON.stringify({
          id: `chatcmpl-fake-${request.index}`,
          object: 'chat.completion',
          model: model(request),
          choices: [{ index: 0, message: { role: 'assistant', content: tokens.join('') }, finish_reason: 'stop' }],
          usage,
        });
      }
      return `${chunk(request, {}, 'stop', { usage })}data: [DONE]\n\n`;
    },
    errorBody: (status, message) => ({ contentType: 'application/json', body: JSON.stringify({ error: { code: status, message } }) }),
  };
}
