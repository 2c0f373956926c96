import { Injectable } from '@nestjs/common';
import { AppLogger } from '@voxbridge/platform';
import { randomUUID } from 'node:crypto';
import { AgentApiEnv } from '../config/agent-api.env';
import { parseClientMessage, type EventFilter } from './client-messages';
import { EventsMetrics } from './events.metrics';
import type { EventScope, LiveEventName } from './live-events';

/** The part of a `ws` WebSocket the hub uses (tests pass a fake). */
export interface LiveSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code: number, reason: string): void;
  terminate(): void;
}

const OPEN = 1;
/** Close codes: policy (try again later) for slow clients, going away on shutdown. */
export const CLOSE_SLOW_CLIENT = 1013;
export const CLOSE_GOING_AWAY = 1001;
/** A dropped client that does not finish the close handshake in this time is cut off. */
const CLOSE_HANDSHAKE_MS = 1_000;

interface LiveClient {
  id: string;
  socket: LiveSocket;
  filter: EventFilter;
}

function matches(filter: EventFilter, scope: EventScope): boolean {
  switch (filter.kind) {
    case 'all':
      return true;
    case 'session':
      return scope.session_id === filter.session_id;
    case 'agent':
      return scope.agent_id === filter.agent_id;
  }
}

/**
 * The connected /ws/events clients of this replica: their filters, fan-out of bus events, and the
 * slow-client rule. A client whose unsent backlog passes WS_EVENTS_MAX_BUFFER_KB is closed (1013)
 * instead of queued for, so memory per client is bounded by that limit plus one message.
 */
@Injectable()
export class LiveEventsHub {
  private readonly clients = new Map<LiveSocket, LiveClient>();
  private readonly maxBufferedBytes: number;
  private readonly logger: AppLogger;

  constructor(config: AgentApiEnv, logger: AppLogger, private readonly metrics: EventsMetrics) {
    this.maxBufferedBytes = config.WS_EVENTS_MAX_BUFFER_KB * 1024;
    this.logger = logger.child({ component: 'ws-events' });
  }

  get clientCount(): number {
    return this.clients.size;
  }

  connect(socket: LiveSocket): void {
    const client: LiveClient = { id: randomUUID(), socket, filter: { kind: 'all' } };
    this.clients.set(socket, client);
    this.metrics.connectedClients.set(this.clients.size);
    this.logger.debug('ws events client connected', { connection_id: client.id });
    this.send(client, 'ready', { connection_id: client.id, subscription: null, max_buffer_kb: this.maxBufferedBytes / 1024 });
  }

  /** Idempotent: called on close, on error and after a drop. */
  disconnect(socket: LiveSocket): void {
    const client = this.clients.get(socket);
    if (!client) return;
    this.clients.delete(socket);
    this.metrics.connectedClients.set(this.clients.size);
    this.logger.debug('ws events client disconnected', { connection_id: client.id });
  }

  receive(socket: LiveSocket, text: string): void {
    const client = this.clients.get(socket);
    if (!client) return;
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.send(client, 'error', parsed.error);
      return;
    }
    const { command } = parsed;
    switch (command.action) {
      case 'ping':
        this.send(client, 'pong', {});
        return;
      case 'subscribe':
        client.filter = command.filter;
        this.send(client, 'subscribed', this.describe(command.filter));
        return;
      case 'unsubscribe':
        client.filter = { kind: 'all' };
        this.send(client, 'unsubscribed', {});
        return;
    }
  }

  /** Fans one event out to the clients whose filter matches; serialised once. */
  publish(event: LiveEventName, scope: EventScope, data: object): void {
    let frame: string | undefined;
    for (const client of [...this.clients.values()]) {
      if (!matches(client.filter, scope)) continue;
      frame ??= JSON.stringify({ event, data });
      this.sendFrame(client, frame);
    }
  }

  /** On shutdown: every client told the server is going away. */
  closeAll(): void {
    for (const client of [...this.clients.values()]) {
      client.socket.close(CLOSE_GOING_AWAY, 'server shutting down');
      this.disconnect(client.socket);
    }
  }

  private describe(filter: EventFilter): object {
    switch (filter.kind) {
      case 'all':
        return {};
      case 'session':
        return { session_id: filter.session_id };
      case 'agent':
        return { agent_id: filter.agent_id };
    }
  }

  private send(client: LiveClient, event: string, data: object): void {
    this.sendFrame(client, JSON.stringify({ event, data }));
  }

  private sendFrame(client: LiveClient, frame: string): void {
    const { socket } = client;
    if (socket.readyState !== OPEN) return;
    if (socket.bufferedAmount > this.maxBufferedBytes) {
      this.drop(client);
      return;
    }
    socket.send(frame);
  }

  private drop(client: LiveClient): void {
    const { socket } = client;
    this.logger.warn('ws events client too slow; disconnected', {
      connection_id: client.id,
      buffered_bytes: socket.bufferedAmount,
      max_buffered_bytes: this.maxBufferedBytes,
    });
    this.metrics.droppedSlowClients.inc();
    this.disconnect(socket);
    socket.close(CLOSE_SLOW_CLIENT, 'too slow: unsent backlog over limit');
    // The close frame queues behind the backlog the client is not reading; do not wait for it forever.
    setTimeout(() => socket.terminate(), CLOSE_HANDSHAKE_MS).unref();
  }
}
