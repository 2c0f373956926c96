import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the next request gets instead of a 200: a status, a delay, or a dropped connection. */
export interface FakeN8nWebhookScript {
  status?: number;
  delayMs?: number;
  /** Close the socket without an answer (a network failure for the client). */
  hangUp?: boolean;
}

export interface RecordedN8nWebhookRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  rawBody: string;
  /** The body as JSON, or undefined when it is not. */
  json: Record<string, unknown> | undefined;
  /** The status answered (0 for a hang-up). */
  status: number;
  receivedAtMs: number;
}

/**
 * An n8n "Webhook" node on the wire: `POST <path>` with a JSON body, answered 200
 * `{"message":"Workflow was started"}` (n8n's answer in "Respond: Immediately" mode); scripted
 * failures and latency per request, every request recorded (accepted or not).
 */
export class FakeN8nWebhook {
  readonly requests: RecordedN8nWebhookRequest[] = [];
  private readonly scripts: FakeN8nWebhookScript[] = [];
  private server: Server | undefined;
  private port = 0;

  static async start(path = '/webhook/voxbridge'): Promise<FakeN8nWebhook> {
    const fake = new FakeN8nWebhook(path);
    await fake.listen();
    return fake;
  }

  private constructor(readonly path: string) {}

  /** The webhook URL the plugin is given. */
  get url(): string {
    return `http://127.0.0.1:${this.port}${this.path}`;
  }

  /** The next requests get these answers, one each, in order; after them, 200 again. */
  scriptNext(...scripts: FakeN8nWebhookScript[]): void {
    this.scripts.push(...scripts);
  }

  /** Bodies of the requests answered 2xx, in arrival order. */
  accepted(): Array<Record<string, unknown>> {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300 && r.json).map((r) => r.json as Record<string, unknown>);
  }

  /** The request carries `x-voxbridge-signature: sha256=<HMAC-SHA256 of its raw body under secret>`. */
  static signedWith(request: RecordedN8nWebhookRequest, secret: string): boolean {
    const header = request.headers['x-voxbridge-signature'] ?? '';
    const expected = `sha256=${createHmac('sha256', secret).update(request.rawBody).digest('hex')}`;
    return header.length === expected.length && timingSafeEqual(Buffer.from(header), Buffer.from(expected));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async listen(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
    let json: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(rawBody);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
    } catch {
      json = undefined; // not JSON: recorded as raw text only
    }
    const known = req.method === 'POST' && path === this.path;
    const script = known ? this.scripts.shift() : undefined;
    if (script?.delayMs) await new Promise((resolve) => setTimeout(resolve, script.delayMs));
    const record = { method: req.method ?? '', path, headers, rawBody, json, receivedAtMs: Date.now() };
    if (script?.hangUp) {
      this.requests.push({ ...record, status: 0 });
      req.socket.destroy();
      return;
    }
    const status = !known ? 404 : (script?.status ?? 200);
    this.requests.push({ ...record, status });
    const body = status === 200 ? { message: 'Workflow was started' } : status === 404 ? { code: 404, message: `The requested webhook "${path}" is not registered.` } : { message: 'Error in workflow' };
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}
