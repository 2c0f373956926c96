import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

/** What the fake answers for one utterance (one finalize); partials default to growing prefixes of `text`. */
export interface FakeWhisperXUtteranceScript {
  text: string;
  partials?: string[];
}

/** How the fake reacts to the next finalize messages (consumed one per finalize, then `final`). */
export type FakeWhisperXFinalizeFault = 'hang' | 'drop' | 'error';

export interface FakeWhisperXServerOptions {
  /** Transcript per finalized utterance, in order across connections; the last one repeats. */
  transcripts?: (string | FakeWhisperXUtteranceScript)[];
  /** A partial after each this much received audio (the real server: about 2,000 ms). */
  partialEveryMs?: number;
  /** Time from `finalize` received to `final` sent. */
  finalLatencyMs?: number;
}

/** One server session: from a `start` to its finalize (or the connection's end). */
export interface FakeWhisperXUtterance {
  connection: number;
  userId: string | undefined;
  /** As the real server uses it: `"en"` when the `start` carried no language. */
  language: string;
  audioFormat: string;
  audioBytes: number;
  /** Audio duration, decoding `pcm` as 16-bit 48 kHz stereo like the real server. */
  audioMs: number;
  partialsSent: string[];
  finalSent?: string;
  /** Audio that arrived between `finalize` and `final` (the real server drops it). */
  droppedAudioBytes: number;
}

export interface FakeWhisperXDisconnect {
  connection: number;
  by: 'client' | 'server';
  code: number;
}

const PCM_BYTES_PER_MS = (48_000 * 2 * 2) / 1000;

/**
 * A WhisperX streaming server speaking the VoxBridge 2.0 protocol (`start` / binary audio /
 * `finalize` / `close`; `partial`, `final`, `error`), with scripted transcripts and faults, on a
 * free 127.0.0.1 port. It records every text message, each utterance's audio and every
 * disconnect. No jest here: the launcher's `--fake-providers` mode uses it too.
 */
export class FakeWhisperXServer {
  /** Text messages received, parsed, in order. */
  readonly messages: { connection: number; message: Record<string, unknown> }[] = [];
  readonly utterances: FakeWhisperXUtterance[] = [];
  readonly disconnects: FakeWhisperXDisconnect[] = [];
  /** Upgrades accepted, and refused with 503. */
  connections = 0;
  refusedConnections = 0;
  /** Binary frames received with no `start` before them. */
  audioWithoutStartBytes = 0;

  private readonly sockets = new Map<number, WebSocket>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private refuseRemaining = 0;
  private readonly finalizeFaults: FakeWhisperXFinalizeFault[] = [];
  private finalizedCount = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly cutByServer = new Set<number>();

  private constructor(
    private readonly http: Server,
    readonly port: number,
    private readonly options: FakeWhisperXServerOptions,
  ) {}

  static async start(options: FakeWhisperXServerOptions = {}): Promise<FakeWhisperXServer> {
    const http = createServer((_req, res) => res.writeHead(426).end());
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(0, '127.0.0.1', resolve);
    });
    const address = http.address();
    if (typeof address !== 'object' || !address) throw new Error('fake WhisperX server has no address');
    const server = new FakeWhisperXServer(http, address.port, options);
    http.on('upgrade', (req, socket, head) => server.onUpgrade(req, socket, head));
    return server;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  /** Text messages of one type, in order. */
  received(type: string): Record<string, unknown>[] {
    return this.messages.filter((m) => m.message['type'] === type).map((m) => m.message);
  }

  /** Fault: the server cuts every open connection now (no close frame, like a crash). */
  dropConnections(): void {
    for (const [connection, socket] of this.sockets) this.cut(connection, socket);
  }

  /** Fault: the next `count` connection attempts get HTTP 503 instead of a WebSocket. */
  refuseConnections(count = Number.POSITIVE_INFINITY): void {
    this.refuseRemaining = count;
  }

  /** Fault: the next finalize messages hang (no final), drop the connection, or get an `error`. */
  failNextFinalize(...faults: FakeWhisperXFinalizeFault[]): void {
    this.finalizeFaults.push(...faults);
  }

  async stop(): Promise<void> {
    this.timers.forEach((timer) => clearTimeout(timer));
    for (const socket of this.sockets.values()) socket.terminate();
    this.wss.close();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.refuseRemaining > 0) {
      this.refuseRemaining -= 1;
      this.refusedConnections += 1;
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
  }

  private onConnection(ws: WebSocket): void {
    const connection = ++this.connections;
    this.sockets.set(connection, ws);
    let session: FakeWhisperXUtterance | undefined;
    let finalizing = false;
    let nextPartialAtMs = this.options.partialEveryMs ?? 2_000;

    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        if (!session) {
          this.audioWithoutStartBytes += data.byteLength;
          return;
        }
        if (finalizing) {
          session.droppedAudioBytes += data.byteLength;
          return;
        }
        session.audioBytes += data.byteLength;
        session.audioMs = session.audioFormat === 'pcm' ? session.audioBytes / PCM_BYTES_PER_MS : session.audioBytes;
        if (session.audioMs >= nextPartialAtMs) {
          nextPartialAtMs += this.options.partialEveryMs ?? 2_000;
          const text = this.partialFor(session.partialsSent.length);
          session.partialsSent.push(text);
          send(ws, { type: 'partial', text, userId: session.userId });
        }
        return;
      }
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(data.toString()) as Record<string, unknown>;
      } catch {
        send(ws, { type: 'error', error: 'invalid JSON' });
        return;
      }
      this.messages.push({ connection, message });
      switch (message['type']) {
        case 'start':
          // Like the real server: every start is a fresh session; no language means "en".
          session = {
            connection,
            userId: typeof message['userId'] === 'string' ? message['userId'] : undefined,
            language: typeof message['language'] === 'string' ? message['language'] : 'en',
            audioFormat: typeof message['audio_format'] === 'string' ? message['audio_format'] : 'opus',
            audioBytes: 0,
            audioMs: 0,
            partialsSent: [],
            droppedAudioBytes: 0,
          };
          this.utterances.push(session);
          finalizing = false;
          nextPartialAtMs = this.options.partialEveryMs ?? 2_000;
          return;
        case 'finalize': {
          if (!session) return send(ws, { type: 'error', error: 'no session' });
          finalizing = true;
          const current = session;
          const fault = this.finalizeFaults.shift();
          if (fault === 'hang') return;
          if (fault === 'drop') return this.cut(connection, ws);
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            if (fault === 'error') {
              send(ws, { type: 'error', error: 'scripted failure', userId: current.userId });
            } else {
              current.finalSent = this.transcriptFor(this.finalizedCount++).text;
              send(ws, { type: 'final', text: current.finalSent, userId: current.userId });
            }
            // The session buffer is cleared; audio continues into the same session.
            current.audioBytes = 0;
            finalizing = false;
          }, this.options.finalLatencyMs ?? 0);
          this.timers.add(timer);
          return;
        }
        case 'close':
          ws.close(1000);
          return;
        default:
          send(ws, { type: 'error', error: `unknown message type` });
      }
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', (code) => {
      this.sockets.delete(connection);
      this.disconnects.push({ connection, by: this.cutByServer.has(connection) ? 'server' : 'client', code });
    });
  }

  private cut(connection: number, socket: WebSocket): void {
    this.cutByServer.add(connection);
    socket.terminate();
  }

  private transcriptFor(index: number): FakeWhisperXUtteranceScript {
    const scripts = this.options.transcripts ?? ['hello'];
    const script = scripts[Math.min(index, scripts.length - 1)] ?? '';
    return typeof script === 'string' ? { text: script } : script;
  }

  private partialFor(partialIndex: number): string {
    const script = this.transcriptFor(this.finalizedCount);
    const scripted = script.partials?.[partialIndex];
    if (scripted !== undefined) return scripted;
    const words = script.text.split(/\s+/).filter(Boolean);
    return words.slice(0, Math.min(words.length, partialIndex + 1)).join(' ');
  }
}

function send(ws: WebSocket, message: Record<string, unknown>): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
}
