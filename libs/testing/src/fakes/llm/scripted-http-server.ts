import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { answerFakeControl, isFakeControlPath } from '../fake-control';

/** What a fake provider does for one request. */
export interface FakeLlmScript {
  /** The reply, token by token (default: `['Hello', ' from', ' the', ' fake', '.']`). */
  tokens?: string[];
  /** Before the first token, after the response headers. */
  ttftMs?: number;
  /** Pacing after the first token; omitted = as fast as possible. */
  tokensPerSecond?: number;
  fault?: FakeLlmFault;
}

export type FakeLlmFault =
  /** Answer with this status and an error body instead of a reply. */
  | { kind: 'status'; status: number; message?: string }
  /** Destroy the connection after sending this many tokens. */
  | { kind: 'reset'; afterTokens: number }
  /**
   * Stop and wait: before the response headers (`afterTokens` omitted) or after that many tokens.
   * `release()` lets hung replies go on; otherwise they hang until the client goes away.
   */
  | { kind: 'hang'; afterTokens?: number }
  /**
   * Like `hang` after that many tokens (0: before the first one), but the connection looks alive:
   * the wire's keep-alive (an SSE comment, as OpenRouter sends while a model is slow) every
   * `keepAliveEveryMs` (default 500), so only a deadline on tokens, not on bytes, notices.
   */
  | { kind: 'stall'; afterTokens: number; keepAliveEveryMs?: number };

export interface FakeLlmRequest {
  index: number;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the body was JSON, else the raw text. */
  body: unknown;
  /** Tokens produced so far (a whole-reply wire sends them together at the end). */
  tokensSent: number;
  /** The reply was sent completely. */
  completed: boolean;
  /** The client closed the connection before the reply was complete. */
  clientDisconnected: boolean;
}

export type FakeLlmEvent =
  | { type: 'request'; request: number; atMs: number }
  | { type: 'token'; request: number; token: string; atMs: number }
  | { type: 'completed'; request: number; atMs: number }
  | { type: 'reset'; request: number; atMs: number }
  | { type: 'client_disconnected'; request: number; atMs: number };

/** What `GET /_fake/record` answers: every request (headers left out) and event so far. */
export interface FakeLlmRecord {
  requests: Array<Omit<FakeLlmRequest, 'headers'>>;
  events: FakeLlmEvent[];
}

export const DEFAULT_FAKE_TOKENS = ['Hello', ' from', ' the', ' fake', '.'];

/** How one wire protocol writes a reply; the scripted server does timing, faults and recording. */
export interface FakeWire<S extends FakeLlmScript = FakeLlmScript> {
  accepts(method: string, path: string): boolean;
  /** Status and headers of a successful reply. */
  head(request: FakeLlmRequest, script: S): { status: number; headers: Record<string, string> };
  /** Bytes sent right after the headers (e.g. an SSE keep-alive comment). */
  preamble?(request: FakeLlmRequest, script: S): string;
  /** Bytes that keep a stalled reply looking alive (the `stall` fault); none: the stall is silent. */
  keepAlive?(request: FakeLlmRequest, script: S): string;
  /** Bytes of one token; empty for replies sent whole. */
  token(request: FakeLlmRequest, script: S, token: string, index: number): string;
  /** Closing bytes; gets all tokens for replies sent whole (n8n JSON). */
  end(request: FakeLlmRequest, script: S, tokens: readonly string[]): string;
  errorBody(status: number, message: string): { contentType: string; body: string };
}

/**
 * A real HTTP server on 127.0.0.1 (kernel-chosen port) that replays scripts over a wire protocol.
 * No jest imports: the launcher's `--fake-providers` mode uses it too.
 */
export class ScriptedHttpServer<S extends FakeLlmScript = FakeLlmScript> {
  readonly requests: FakeLlmRequest[] = [];
  readonly events: FakeLlmEvent[] = [];
  private queue: S[] = [];
  private sticky: S;
  private readonly waiting = new Set<() => void>();
  private readonly startedAtMs = performance.now();

  private constructor(
    private readonly server: Server,
    private readonly wire: FakeWire<S>,
    readonly port: number,
    defaultScript: S,
  ) {
    this.sticky = defaultScript;
  }

  static async start<S extends FakeLlmScript>(wire: FakeWire<S>, defaultScript: S): Promise<ScriptedHttpServer<S>> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const self = new ScriptedHttpServer(server, wire, (server.address() as AddressInfo).port, defaultScript);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => self.handle(req, res));
    return self;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The next requests use these scripts in order; the last one stays for all later requests. */
  script(...scripts: S[]): void {
    const last = scripts[scripts.length - 1];
    if (!last) return;
    this.queue = scripts.slice(0, -1);
    this.sticky = last;
  }

  /** The next requests use these scripts, in order, before the current ones (the last one stays). */
  scriptNext(...scripts: S[]): void {
    this.queue.push(...scripts);
  }

  /** Every request (headers left out) and event so far. */
  record(): FakeLlmRecord {
    return { requests: this.requests.map(({ headers: _headers, ...request }) => ({ ...request })), events: [...this.events] };
  }

  /** Lets every hung reply go on with its script. */
  release(): void {
    for (const wake of [...this.waiting]) wake();
  }

  /** Hung replies end with their connections. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private now(): number {
    return performance.now() - this.startedAtMs;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      if (isFakeControlPath(path)) {
        // The harness, not a client of the protocol: answered, never recorded.
        answerFakeControl(res, { method: req.method ?? 'GET', path, rawBody: raw }, {
          record: () => this.record(),
          scriptNext: (scripts) => this.scriptNext(...(scripts as S[])),
        });
        return;
      }
      const record: FakeLlmRequest = {
        index: this.requests.length,
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: { ...req.headers },
        body: parseBody(raw),
        tokensSent: 0,
        completed: false,
        clientDisconnected: false,
      };
      this.requests.push(record);
      this.events.push({ type: 'request', request: record.index, atMs: this.now() });
      if (!this.wire.accepts(record.method, record.path)) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
        return;
      }
      const script = this.queue.shift() ?? this.sticky;
      this.reply(record, res, script).catch((error: unknown) => {
        // A write after the client left: the close handler has recorded the disconnect.
        if (!res.destroyed) res.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    });
  }

  private async reply(record: FakeLlmRequest, res: ServerResponse, script: S): Promise<void> {
    let gone = false;
    const goneWaiters = new Set<() => void>();
    res.on('close', () => {
      gone = true;
      if (!res.writableFinished && !record.completed) {
        record.clientDisconnected = true;
        this.events.push({ type: 'client_disconnected', request: record.index, atMs: this.now() });
      }
      for (const wake of goneWaiters) wake();
    });
    // Resolves after ms, or at once when the client is gone.
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          goneWaiters.delete(done);
          resolve();
        }
        goneWaiters.add(done);
      });
    const hang = () =>
      new Promise<void>((resolve) => {
        const done = () => {
          goneWaiters.delete(done);
          this.waiting.delete(done);
          resolve();
        };
        goneWaiters.add(done);
        this.waiting.add(done);
      });

    // Hangs as `hang` does, writing the wire's keep-alive meanwhile.
    const stall = async (everyMs: number) => {
      const keepAlive = this.wire.keepAlive?.(record, script) ?? '';
      let over = false;
      const hung = hang().then(() => (over = true));
      while (!over && !gone) {
        if (keepAlive) await write(res, keepAlive);
        await Promise.race([pause(everyMs), hung]);
      }
    };

    const fault = script.fault;
    const tokens = script.tokens ?? DEFAULT_FAKE_TOKENS;
    if (fault?.kind === 'status') {
      const { contentType, body } = this.wire.errorBody(fault.status, fault.message ?? `scripted ${fault.status}`);
      res.writeHead(fault.status, { 'content-type': contentType }).end(body);
      record.completed = true;
      return;
    }
    if (fault?.kind === 'hang' && fault.afterTokens === undefined) {
      await hang();
      if (gone) return;
    }
    const head = this.wire.head(record, script);
    res.writeHead(head.status, head.headers);
    const preamble = this.wire.preamble?.(record, script);
    if (preamble) res.write(preamble);
    if (script.ttftMs) await pause(script.ttftMs);
    const gapMs = script.tokensPerSecond ? 1000 / script.tokensPerSecond : 0;

    for (let i = 0; i < tokens.length; i++) {
      if (gone) return;
      if (fault?.kind === 'hang' && fault.afterTokens === i) {
        await hang();
        if (gone) return;
      }
      if (fault?.kind === 'stall' && fault.afterTokens === i) {
        await stall(fault.keepAliveEveryMs ?? 500);
        if (gone) return;
      }
      if (fault?.kind === 'reset' && fault.afterTokens === i) {
        this.events.push({ type: 'reset', request: record.index, atMs: this.now() });
        res.socket?.destroy();
        return;
      }
      if (i > 0 && gapMs > 0) await pause(gapMs);
      if (gone) return;
      const token = tokens[i] ?? '';
      const bytes = this.wire.token(record, script, token, i);
      if (bytes) await write(res, bytes);
      record.tokensSent++;
      this.events.push({ type: 'token', request: record.index, token, atMs: this.now() });
    }
    if (fault?.kind === 'hang' && fault.afterTokens !== undefined && fault.afterTokens >= tokens.length) {
      await hang();
      if (gone) return;
    }
    if (fault?.kind === 'reset' && fault.afterTokens >= tokens.length) {
      this.events.push({ type: 'reset', request: record.index, atMs: this.now() });
      res.socket?.destroy();
      return;
    }
    if (gone) return;
    record.completed = true;
    res.end(this.wire.end(record, script, tokens));
    this.events.push({ type: 'completed', request: record.index, atMs: this.now() });
  }
}

function parseBody(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    // Not JSON: keep the text as sent.
    return raw;
  }
}

/** Writes and waits for the bytes to be handed to the socket, so pacing is real. */
function write(res: ServerResponse, text: string): Promise<void> {
  return new Promise((resolve, reject) => res.write(text, (error) => (error ? reject(error) : resolve())));
}
