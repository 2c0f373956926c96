import { FakeLlmEvent, FakeLlmRequest, FakeLlmScript, FakeWire, ScriptedHttpServer } from './scripted-http-server';

/** `json`: one body `{output: "..."}` at the end; `text`: text/plain chunks; `sse`: `data:` chunks, then `[DONE]`. */
export type FakeN8nMode = 'json' | 'text' | 'sse';

export interface FakeN8nScript extends FakeLlmScript {
  mode?: FakeN8nMode;
  /** JSON mode: send this body instead of `{output}` (e.g. `[{response: "..."}]`). */
  jsonBody?: unknown;
}

export const FAKE_N8N_WEBHOOK_PATH = '/webhook/voxbridge';

const CONTENT_TYPES: Record<FakeN8nMode, string> = {
  json: 'application/json; charset=utf-8',
  text: 'text/plain; charset=utf-8',
  sse: 'text/event-stream',
};

const n8nWire: FakeWire<FakeN8nScript> = {
  accepts: (method, path) => method === 'POST' && path === FAKE_N8N_WEBHOOK_PATH,
  head: (_request, script) => ({ status: 200, headers: { 'content-type': CONTENT_TYPES[script.mode ?? 'json'] } }),
  token: (_request, script, token) => {
    if (script.mode === 'sse') return `data: ${token}\n\n`;
    return script.mode === 'text' ? token : '';
  },
  end: (_request, script, tokens) => {
    if (script.mode === 'sse') return 'data: [DONE]\n\n';
    if (script.mode === 'text') return '';
    return JSON.stringify(script.jsonBody ?? { output: tokens.join('') });
  },
  errorBody: (status, message) => ({ contentType: 'application/json', body: JSON.stringify({ code: status, message }) }),
};

/**
 * An n8n webhook (`POST {url}`) answering in the scripted mode, paced like a workflow. In JSON mode
 * the scripted tokens are "produced" with the scripted pacing and sent together at the end.
 */
export class FakeN8nServer {
  private constructor(private readonly server: ScriptedHttpServer<FakeN8nScript>) {}

  static async start(): Promise<FakeN8nServer> {
    return new FakeN8nServer(await ScriptedHttpServer.start(n8nWire, {}));
  }

  /** The full webhook URL. */
  get url(): string {
    return `${this.server.origin}${FAKE_N8N_WEBHOOK_PATH}`;
  }

  get requests(): readonly FakeLlmRequest[] {
    return this.server.requests;
  }

  get events(): readonly FakeLlmEvent[] {
    return this.server.events;
  }

  /** The next requests use these scripts in order; the last one stays for all later requests. */
  script(...scripts: FakeN8nScript[]): void {
    this.server.script(...scripts);
  }

  release(): void {
    this.server.release();
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
