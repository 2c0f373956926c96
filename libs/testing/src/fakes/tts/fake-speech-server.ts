import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { bytesOf } from '@voxbridge/audio';
import { answerFakeControl, isFakeControlPath } from '../fake-control';
import { DEFAULT_TONE, streamedToneWav, toneSamplesFor, ToneOptions } from './tone';

/** How the fake answers one request. Everything is optional; faults combine with pacing. */
export interface SpeechResponseScript {
  /** Answer this status with a JSON error body instead of audio. */
  status?: number;
  /** Delay before the response headers (time to first byte). */
  ttfbMs?: number;
  /** Pace the body at this rate (default: as fast as the socket takes it). */
  bytesPerSecond?: number;
  /** Size of each body write (default 4096). */
  chunkBytes?: number;
  /** Destroy the connection after this many body bytes (the WAV header counts). */
  resetAfterBytes?: number;
  /** Stop sending after this many body bytes and keep the connection open until the client leaves. */
  hangAfterBytes?: number;
  /** Never send headers; wait until the client leaves. */
  hangBeforeHeaders?: boolean;
  /** Pause after this many body bytes until `holdUntil` settles, then go on. */
  holdAfterBytes?: number;
  holdUntil?: Promise<unknown>;
  /** The tone (duration per character, sample rate, pitch); defaults from the server options. */
  tone?: Partial<ToneOptions>;
}

export interface RecordedSpeechRequest {
  index: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Form fields (multipart or urlencoded) or the JSON body's scalar fields, as strings. */
  fields: Record<string, string>;
  /** The JSON body, for JSON requests. */
  json?: Record<string, unknown>;
}

export type FakeSpeechEventType = 'request' | 'response-start' | 'response-end' | 'client-disconnect' | 'server-reset';

export interface FakeSpeechEvent {
  type: FakeSpeechEventType;
  requestIndex: number;
  /** Body bytes sent when the event happened. */
  bytesSent: number;
}

/** What `GET /_fake/record` answers: every request (headers left out) and event so far. */
export interface FakeSpeechRecord {
  requests: Array<Omit<RecordedSpeechRequest, 'headers'>>;
  events: FakeSpeechEvent[];
}

export interface FakeSpeechServerOptions {
  tone?: Partial<ToneOptions>;
  /** Script for every request without a queued one (see `respondNext`). */
  script?: SpeechResponseScript | ((request: RecordedSpeechRequest) => SpeechResponseScript);
}

/** What a concrete fake decides about a request before audio is sent. */
export interface SpeechRoute {
  /** The text to speak, or a JSON answer instead of audio (errors, health). */
  text?: string;
  answer?: { status: number; body: unknown };
  /** `wav` (default) or raw `pcm`. */
  format?: 'wav' | 'pcm';
  /** Forced sample rate (OpenAI's pcm is always 24 kHz). */
  sampleRateHz?: number;
}

/**
 * A real HTTP server on 127.0.0.1 speaking a TTS wire protocol, for tests and the launcher's
 * `--fake-providers` mode (no jest here). Records every request and what happened on each
 * connection, in order, so tests can prove ordering and cancellation by events, not timing.
 */
export abstract class FakeSpeechServer {
  readonly requests: RecordedSpeechRequest[] = [];
  readonly events: FakeSpeechEvent[] = [];
  private readonly queuedScripts: SpeechResponseScript[] = [];
  private readonly listeners = new Set<() => void>();
  private server: Server | undefined;
  private baseUrl = '';

  protected constructor(private readonly options: FakeSpeechServerOptions = {}) {}

  /** e.g. `http://127.0.0.1:41234` (no trailing slash). */
  get url(): string {
    return this.baseUrl;
  }

  /** Requests the client gave up on before the response was complete. */
  get disconnects(): FakeSpeechEvent[] {
    return this.events.filter((e) => e.type === 'client-disconnect');
  }

  /** The next request(s) get these scripts, in order, instead of the default one. */
  respondNext(...scripts: SpeechResponseScript[]): void {
    this.queuedScripts.push(...scripts);
  }

  /** Every request (headers left out) and event so far. */
  record(): FakeSpeechRecord {
    return { requests: this.requests.map(({ headers: _headers, ...request }) => ({ ...request })), events: [...this.events] };
  }

  /** Resolves when `condition` holds (checked now and after every recorded event). */
  until(condition: (server: this) => boolean): Promise<void> {
    if (condition(this)) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!condition(this)) return;
        this.listeners.delete(check);
        resolve();
      };
      this.listeners.add(check);
    });
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.sendJson(res, 500, { error: String(error) });
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Routes and validates one recorded request (the protocol-specific part). */
  protected abstract route(request: RecordedSpeechRequest): SpeechRoute;

  protected sendJson(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (isFakeControlPath(path)) {
      // The harness, not a client of the protocol: answered, never recorded. Scripts are JSON here,
      // so `holdUntil` (a promise) cannot be sent.
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const rawBody = Buffer.concat(chunks).toString('utf8');
      return answerFakeControl(res, { method: req.method ?? 'GET', path, rawBody }, {
        record: () => this.record(),
        scriptNext: (scripts) => this.respondNext(...(scripts as SpeechResponseScript[])),
      });
    }
    const request = await this.recordRequest(req);
    const route = this.route(request);
    if (route.answer) return this.sendJson(res, route.answer.status, route.answer.body);
    const script = this.scriptFor(request);
    let bytesSent = 0;
    let finished = false;
    let resetByServer = false;
    const closed = new Promise<void>((resolve) => {
      res.once('close', () => {
        if (!finished && !resetByServer) this.emit('client-disconnect', request.index, bytesSent);
        resolve();
      });
    });
    const isClosed = () => res.destroyed || res.writableEnded;

    if (script.hangBeforeHeaders) return closed;
    if (script.ttfbMs) await Promise.race([delay(script.ttfbMs), closed]);
    if (isClosed()) return;
    if (script.status !== undefined && (script.status < 200 || script.status > 299)) {
      finished = true;
      return this.sendJson(res, script.status, { error: { message: `scripted failure ${script.status}` } });
    }

    const tone = { ...DEFAULT_TONE, ...this.options.tone, ...script.tone, ...(route.sampleRateHz ? { sampleRateHz: route.sampleRateHz } : {}) };
    const text = route.text ?? '';
    const body = route.format === 'pcm' ? bytesOf(toneSamplesFor(text, tone)) : streamedToneWav(text, tone);
    res.writeHead(200, { 'content-type': route.format === 'pcm' ? 'audio/pcm' : 'audio/wav', 'transfer-encoding': 'chunked' });
    this.emit('response-start', request.index, 0);

    const chunkBytes = script.chunkBytes ?? 4096;
    const stops = [script.resetAfterBytes, script.hangAfterBytes, script.holdAfterBytes].filter((n): n is number => n !== undefined);
    while (bytesSent < body.byteLength) {
      if (isClosed()) return;
      const nextStop = stops.filter((n) => n > bytesSent).reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
      const end = Math.min(body.byteLength, bytesSent + chunkBytes, nextStop);
      const chunk = body.subarray(bytesSent, end);
      const drained = res.write(chunk);
      bytesSent = end;
      if (!drained) await Promise.race([new Promise((resolve) => res.once('drain', resolve)), closed]);
      if (script.bytesPerSecond) await Promise.race([delay((chunk.byteLength / script.bytesPerSecond) * 1000), closed]);
      if (bytesSent === script.resetAfterBytes) {
        resetByServer = true;
        this.emit('server-reset', request.index, bytesSent);
        res.socket?.resetAndDestroy();
        return;
      }
      if (bytesSent === script.hangAfterBytes) return closed;
      if (bytesSent === script.holdAfterBytes && script.holdUntil) await Promise.race([script.holdUntil, closed]);
    }
    if (isClosed()) return;
    finished = true;
    res.end();
    this.emit('response-end', request.index, bytesSent);
  }

  private async recordRequest(req: IncomingMessage): Promise<RecordedSpeechRequest> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const contentType = headers['content-type'] ?? '';
    const request: RecordedSpeechRequest = {
      index: this.requests.length,
      method: req.method ?? 'GET',
      path: new URL(req.url ?? '/', 'http://fake').pathname,
      headers,
      fields: {},
    };
    if (contentType.startsWith('application/json') && body.byteLength > 0) {
      const json = parseJsonObject(body.toString('utf8'));
      request.json = json;
      for (const [name, value] of Object.entries(json ?? {})) if (['string', 'number', 'boolean'].includes(typeof value)) request.fields[name] = String(value);
    } else if (contentType.startsWith('multipart/form-data') || contentType.startsWith('application/x-www-form-urlencoded')) {
      // The platform's own parser (undici behind fetch's Request) reads both encodings.
      const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': contentType }, body }).formData();
      form.forEach((value, name) => (request.fields[name] = typeof value === 'string' ? value : `[file ${value.name}]`));
    }
    this.requests.push(request);
    this.emit('request', request.index, 0);
    return request;
  }

  private scriptFor(request: RecordedSpeechRequest): SpeechResponseScript {
    const queued = this.queuedScripts.shift();
    if (queued) return queued;
    const script = this.options.script;
    return typeof script === 'function' ? script(request) : (script ?? {});
  }

  private emit(type: FakeSpeechEventType, requestIndex: number, bytesSent: number): void {
    this.events.push({ type, requestIndex, bytesSent });
    for (const listener of [...this.listeners]) listener();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch (error) {
    // Recorded as a request without fields; the route answers 400/422 for it.
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}
