import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { AppLogger } from '@voxbridge/platform';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ApiKeyService } from '../auth';
import { LiveEventsHub } from './live-events.hub';
import type { Viewer } from './session-visibility';

export const LIVE_EVENTS_PATH = '/ws/events';
/** Client messages are tiny commands; a larger one closes the socket with 1009 and a reason saying so. */
const MAX_CLIENT_MESSAGE_BYTES = 4 * 1024;
/** RFC 6455 "message too big". */
const CLOSE_TOO_LARGE = 1009;
/**
 * What `ws` itself refuses, before our code sees the message (close 1009 without a reason, as `ws`
 * cannot give one). Above MAX_CLIENT_MESSAGE_BYTES so that oversized messages up to here are
 * refused with a reason; bounded so a client cannot make us buffer without end.
 */
const MAX_WS_PAYLOAD_BYTES = 1024 * 1024;
const BEARER = /^Bearer +([^\s]+) *$/i;

/** `Authorization: Bearer <key>`, else `?token=<key>` (browsers cannot set headers on a WebSocket). */
export function upgradeToken(request: IncomingMessage): string | undefined {
  const header = BEARER.exec(request.headers.authorization ?? '')?.[1];
  if (header) return header;
  const query = new URL(request.url ?? '/', 'http://localhost').searchParams.get('token');
  return query ?? undefined;
}

function rawDataBytes(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((sum, part) => sum + part.byteLength, 0);
  return data.byteLength;
}

function refuseUpgrade(socket: Duplex, status: 401 | 503, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  const reason = status === 401 ? 'Unauthorized' : 'Service Unavailable';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `${status === 401 ? 'WWW-Authenticate: Bearer\r\n' : ''}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * `GET /ws/events` on agent-api's own HTTP server: authenticates the upgrade with an API key
 * (401 before any WebSocket exists), then hands the socket to the hub. Other upgrade paths are left
 * to whoever else listens.
 */
@Injectable()
export class LiveEventsServer implements BeforeApplicationShutdown {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PAYLOAD_BYTES });
  private readonly logger: AppLogger;
  private httpServer?: Server;
  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== LIVE_EVENTS_PATH) return;
    this.upgrade(request, socket, head).catch((error: unknown) => {
      this.logger.error('ws events upgrade failed', { err: error });
      refuseUpgrade(socket, 503, 'unavailable', 'could not open the event stream');
    });
  };

  constructor(
    private readonly keys: ApiKeyService,
    private readonly hub: LiveEventsHub,
    logger: AppLogger,
  ) {
    this.logger = logger.child({ component: 'ws-events' });
  }

  attach(httpServer: Server): void {
    if (this.httpServer) return;
    this.httpServer = httpServer;
    httpServer.on('upgrade', this.onUpgrade);
  }

  beforeApplicationShutdown(): Promise<void> {
    this.httpServer?.off('upgrade', this.onUpgrade);
    this.hub.closeAll();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // A client that hangs up while its key is checked must not crash the process.
    const onEarlyError = () => socket.destroy();
    socket.on('error', onEarlyError);
    const token = upgradeToken(request);
    const principal = token ? await this.keys.authenticate(token) : null;
    if (!principal) {
      refuseUpgrade(socket, 401, 'unauthorized', token ? 'API key is unknown or revoked' : 'needs ?token=<API key> or Authorization: Bearer <API key>');
      return;
    }
    socket.off('error', onEarlyError);
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, { keyId: principal.keyId, role: principal.role }));
  }

  private accept(ws: WebSocket, viewer: Viewer): void {
    const { keyId } = viewer;
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const sizeBytes = rawDataBytes(data);
      if (sizeBytes > MAX_CLIENT_MESSAGE_BYTES) {
        ws.close(CLOSE_TOO_LARGE, `message of ${sizeBytes} bytes; at most ${MAX_CLIENT_MESSAGE_BYTES}`);
        return;
      }
      this.hub.receive(ws, isBinary ? '' : data.toString());
    });
    ws.on('close', () => this.hub.disconnect(ws));
    ws.on('error', (error) => {
      this.logger.debug('ws events client socket error', { key_id: keyId, err: error });
      this.hub.disconnect(ws);
    });
    this.hub.connect(ws, viewer);
  }
}
