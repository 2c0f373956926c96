import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Bus, type BusSubscription } from '@voxbridge/bus';
import { AuthSubjects, KeyRevokedEvent, VOICE_MAX_MESSAGE_BYTES, VOICE_SOCKET_PATH } from '@voxbridge/contracts';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { WebrtcGatewayEnv } from '../config/webrtc-gateway.env';
import type { VoiceConnection } from './voice-connection';
import { VoiceConnectionFactory } from './voice-connection.factory';
import { VoiceMetrics } from './voice.metrics';

/**
 * What `ws` itself refuses (close 1009 without a reason). Messages over VOICE_MAX_MESSAGE_BYTES
 * but under this are refused by the connection, with a reason that says the limit.
 */
const MAX_WS_PAYLOAD_BYTES = 16 * VOICE_MAX_MESSAGE_BYTES;

function refuseUpgrade(socket: Duplex, status: 404 | 503, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  const reason = status === 404 ? 'Not Found' : 'Service Unavailable';
  socket.on('error', () => socket.destroy()); // a client that hung up must not crash the process
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/**
 * `GET /ws/voice` on the service's own HTTP server: a plain `ws` server on the upgrade event (no
 * Nest gateway). Every upgrade becomes a WebSocket at once, so refusals (credential, agent,
 * session) reach the browser as close codes with a reason, which it can read, rather than an HTTP
 * status, which it cannot. One ping timer for all sockets; shutdown closes them (1001) and waits
 * until their claims are released.
 */
@Injectable()
export class VoiceServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PAYLOAD_BYTES });
  private readonly connections = new Set<VoiceConnection>();
  private httpServer?: Server;
  private pingTimer?: NodeJS.Timeout;
  private revocations?: BusSubscription;
  private stopWatchingBus?: () => void;
  private stopping = false;

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== VOICE_SOCKET_PATH) {
      refuseUpgrade(socket, 404, 'not_found', `no WebSocket here; the voice socket is ${VOICE_SOCKET_PATH}`);
      return;
    }
    if (this.stopping) {
      refuseUpgrade(socket, 503, 'unavailable', 'webrtc-gateway is shutting down');
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, request));
  };

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: WebrtcGatewayEnv,
    private readonly metrics: VoiceMetrics,
    private readonly connectionFactory: VoiceConnectionFactory,
    private readonly bus: Bus,
  ) {}

  onApplicationBootstrap(): void {
    this.httpServer = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.httpServer.on('upgrade', this.onUpgrade);
    this.pingTimer = setInterval(() => this.connections.forEach((connection) => connection.ping()), this.config.VOICE_PING_INTERVAL_MS);
    this.pingTimer.unref();
    // agent-api revoked a key: the sockets opened with it (or with a voice token it minted) close now.
    this.revocations = this.bus.subscribeJson(AuthSubjects.keyRevoked, KeyRevokedEvent, ({ key_id }) => {
      this.connections.forEach((connection) => connection.closeIfKeyRevoked(key_id));
    });
    // NATS lost or back: every live socket is told (a user must not talk into silence).
    this.stopWatchingBus = this.bus.onConnectionChange((connected) => this.connections.forEach((connection) => connection.busConnectionChanged(connected)));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.httpServer?.off('upgrade', this.onUpgrade);
    clearInterval(this.pingTimer);
    this.revocations?.unsubscribe();
    this.stopWatchingBus?.();
    await Promise.all([...this.connections].map((connection) => connection.shutdown()));
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  /** Open sockets on this replica. */
  get socketCount(): number {
    return this.connections.size;
  }

  private accept(ws: WebSocket, request: IncomingMessage): void {
    const connection = this.connectionFactory.create(ws, { url: request.url, authorization: request.headers.authorization });
    this.connections.add(connection);
    this.metrics.socketsOpen(this.connections.size);
    void connection.closed.then(() => {
      this.connections.delete(connection);
      this.metrics.socketsOpen(this.connections.size);
    });
    connection.start();
  }
}
