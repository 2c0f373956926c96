import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';

/** How long a socket case may wait for any answer before it counts as unanswered (a bound, not a verdict on speed). */
export const ANSWER_BOUND_MS = 15_000;

export interface SocketRecord {
  /** JSON text messages received, parsed (`{event, data}`). */
  messages: Array<{ event?: string; data?: Record<string, unknown> }>;
  /** Text that was not JSON. */
  garbage: string[];
  binaryFrames: number;
  opened: boolean;
  close?: { code: number; reason: string };
  /** The upgrade was answered with HTTP instead of a WebSocket. */
  refused?: { status: number; body: string };
  error?: string;
}

/** A WebSocket client that records everything it receives, and waits for conditions on it. */
export class SocketProbe {
  readonly record: SocketRecord = { messages: [], garbage: [], binaryFrames: 0, opened: false };
  readonly socket: WebSocket;
  private readonly waiters = new Set<() => void>();
  readonly done: Promise<void>;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.socket = new WebSocket(url, { headers, maxPayload: 16 * 1024 * 1024 });
    let finish!: () => void;
    this.done = new Promise((resolve) => (finish = resolve));
    this.socket.on('open', () => {
      this.record.opened = true;
      this.changed();
    });
    this.socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) this.record.binaryFrames += 1;
      else {
        const text = String(data);
        try {
          this.record.messages.push(JSON.parse(text) as { event?: string; data?: Record<string, unknown> });
        } catch {
          this.record.garbage.push(text.slice(0, 200));
        }
      }
      this.changed();
    });
    this.socket.on('unexpected-response', (_request, response: IncomingMessage) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => {
        this.record.refused = { status: response.statusCode ?? 0, body: body.slice(0, 600) };
        this.changed();
        finish();
      });
      response.on('error', () => finish());
    });
    this.socket.on('close', (code: number, reason: Buffer) => {
      this.record.close = { code, reason: reason.toString('utf8') };
      this.changed();
      finish();
    });
    this.socket.on('error', (error: Error) => {
      this.record.error = error.message;
      this.changed();
      if (this.socket.readyState === WebSocket.CLOSED) finish();
    });
  }

  private changed(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves true once `condition` holds (checked on every event), false after the bound. */
  until(condition: (record: SocketRecord) => boolean, boundMs = ANSWER_BOUND_MS): Promise<boolean> {
    if (condition(this.record)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = () => {
        if (!condition(this.record)) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(false);
      }, boundMs);
      this.waiters.add(waiter);
    });
  }

  /** Sends if the socket is open (a send on a socket the server closed is not an error of the case). */
  send(data: string | Buffer): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(data, { binary: Buffer.isBuffer(data) });
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    if (this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
    else this.socket.close(1000);
    await Promise.race([this.done, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    this.socket.terminate(); // no-op once closed
  }
}

/** Close codes a refusal may use: 1008 policy, 1009 too big, 4000-4999 the application's own. */
export function isRefusalClose(code: number): boolean {
  return code === 1008 || code === 1009 || (code >= 4000 && code <= 4999);
}

export function errorMessages(record: SocketRecord, event: string): Array<Record<string, unknown>> {
  return record.messages.filter((m) => m.event === event).map((m) => m.data ?? {});
}
