import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { decodeWav } from '@voxbridge/audio';
import { Response } from 'undici';

export interface FakeOpenAiTranscriptionOptions {
  /** Text per request, in order; the last one repeats. */
  transcripts?: string[];
  /** Time from the request fully received to the response. */
  latencyMs?: number;
}

/** How the next requests fail (consumed one per request, then normal answers). */
export type FakeOpenAiTranscriptionFault =
  | { kind: 'hang' }
  | { kind: 'drop' }
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'invalid_json' };

export interface FakeOpenAiTranscriptionRequest {
  path: string;
  /** The bearer token, if one was sent (a fake; recorded so tests can check it was). */
  authorization: string | undefined;
  /** Text fields of the multipart body (`model`, `language`, `response_format`, …). */
  fields: Record<string, string>;
  file: { name: string; contentType: string; sizeBytes: number; sampleRateHz: number; channels: number; durationMs: number } | undefined;
  /** Why the body could not be read, if it could not. */
  problem?: string;
}

/**
 * An OpenAI-compatible `POST /v1/audio/transcriptions` server on a free 127.0.0.1 port: parses the
 * multipart body, records the fields and the WAV's format and duration, answers `{text}` from a
 * script, with latency and faults. Records requests the client abandoned before the answer
 * (`disconnects`). No jest here: the launcher's `--fake-providers` mode uses it too.
 */
export class FakeOpenAiTranscriptionServer {
  readonly requests: FakeOpenAiTranscriptionRequest[] = [];
  /** Requests whose client went away before the response was sent. */
  disconnects = 0;
  private readonly faults: FakeOpenAiTranscriptionFault[] = [];
  private answered = 0;
  private readonly open = new Set<ServerResponse>();

  private constructor(
    private readonly http: Server,
    readonly port: number,
    private readonly options: FakeOpenAiTranscriptionOptions,
  ) {}

  static async start(options: FakeOpenAiTranscriptionOptions = {}): Promise<FakeOpenAiTranscriptionServer> {
    const holder: { server?: FakeOpenAiTranscriptionServer } = {};
    const http = createServer((req, res) => void holder.server?.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(0, '127.0.0.1', resolve);
    });
    const address = http.address();
    if (typeof address !== 'object' || !address) throw new Error('fake transcription server has no address');
    holder.server = new FakeOpenAiTranscriptionServer(http, address.port, options);
    return holder.server;
  }

  /** The base URL (without `/v1`). */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Requests being handled right now (e.g. hanging). */
  get inFlight(): number {
    return this.open.size;
  }

  failNext(...faults: FakeOpenAiTranscriptionFault[]): void {
    this.faults.push(...faults);
  }

  async stop(): Promise<void> {
    for (const res of this.open) res.destroy();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== '/v1/audio/transcriptions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
      return;
    }
    this.open.add(res);
    let answered = false;
    res.once('close', () => {
      this.open.delete(res);
      if (!answered) this.disconnects += 1;
    });
    const record = await this.readRequest(req);
    this.requests.push(record);
    if (record.problem) {
      answered = true;
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: record.problem } }));
      return;
    }
    const fault = this.faults.shift();
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'drop') {
      res.destroy();
      return;
    }
    if (this.options.latencyMs) await new Promise((resolve) => setTimeout(resolve, this.options.latencyMs));
    if (res.destroyed) return;
    answered = true;
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, { 'content-type': 'application/json' }).end(fault.body ?? JSON.stringify({ error: { message: 'scripted failure' } }));
    } else if (fault?.kind === 'invalid_json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"text": ');
    } else {
      const scripts = this.options.transcripts ?? ['hello'];
      const text = scripts[Math.min(this.answered++, scripts.length - 1)] ?? '';
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text }));
    }
  }

  private async readRequest(req: IncomingMessage): Promise<FakeOpenAiTranscriptionRequest> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const record: FakeOpenAiTranscriptionRequest = { path: req.url ?? '', authorization: req.headers.authorization, fields: {}, file: undefined };
    try {
      const form = await new Response(Buffer.concat(chunks), { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
      for (const [name, value] of form) {
        if (typeof value === 'string') {
          record.fields[name] = value;
          continue;
        }
        const bytes = new Uint8Array(await value.arrayBuffer());
        const { format, samples } = decodeWav(bytes);
        record.file = {
          name: value.name,
          contentType: value.type,
          sizeBytes: bytes.byteLength,
          sampleRateHz: format.sampleRateHz,
          channels: format.channels,
          durationMs: (samples.length / format.sampleRateHz) * 1000,
        };
      }
      if (!record.file) record.problem = 'no file part';
    } catch (error) {
      record.problem = error instanceof Error ? error.message : String(error);
    }
    return record;
  }
}
