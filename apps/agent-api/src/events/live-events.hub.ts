import { Injectable } from '@nestjs/common';
import { describeCallFailure } from '@voxbridge/bus';
import { ErrorCode, KEY_REVOKED_CLOSE_CODE, KEY_REVOKED_CLOSE_REASON } from '@voxbridge/contracts';
import { AppLogger } from '@voxbridge/platform';
import { randomUUID } from 'node:crypto';
import { AgentApiEnv } from '../config/agent-api.env';
import { parseClientMessage, type EventFilter } from './client-messages';
import { EventsMetrics } from './events.metrics';
import type { EventScope, LiveEventName } from './live-events';
import { SessionVisibility, type Viewer } from './session-visibility';

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
  viewer: Viewer;
  /** Sessions this client key may follow (checked on subscribe, or announced as its own). Client keys only. */
  ownSessions: Set<string>;
}

/**
 * A client key sees a session's events only for sessions it created: announced as its own
 * (`session_created`/`session_ended` carry the creating key) or checked when it subscribed. Events
 * with no session (agents) are for every key.
 */
function maySee(client: LiveClient, scope: EventScope): boolean {
  if (client.viewer.role === 'admin' || scope.session_id === undefined) return true;
  if (scope.owner_key_id !== undefined && scope.owner_key_id !== null && scope.owner_key_id === client.viewer.keyId) {
    client.ownSessions.add(scope.session_id);
    return true;
  }
  return client.ownSessions.has(scope.session_id);
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

  constructor(
    config: AgentApiEnv,
    logger: AppLogger,
    private readonly metrics: EventsMetrics,
    private readonly visibility: SessionVisibility,
  ) {
    this.maxBufferedBytes = config.WS_EVENTS_MAX_BUFFER_KB * 1024;
    this.logger = logger.child({ component: 'ws-events' });
  }

  get clientCount(): number {
    return this.clients.size;
  }

  connect(socket: LiveSocket, viewer: Viewer): void {
    const client: LiveClient = { id: randomUUID(), socket, filter: { kind: 'all' }, viewer, ownSessions: new Set() };
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
        if (command.filter.kind === 'session' && client.viewer.role !== 'admin') {
          this.subscribeChecked(client, command.filter.session_id).catch((error: unknown) => {
            this.logger.warn('ws events subscription could not be checked', { connection_id: client.id, err: error });
            // Names what failed: session-store not running, too slow, or its database down.
            const failure = describeCallFailure('session-store', error);
            this.send(client, 'error', { code: failure.code, message: `could not check the session, try again: ${failure.message}` });
          });
          return;
        }
        client.filter = command.filter;
        this.send(client, 'subscribed', this.describe(command.filter));
        return;
      case 'unsubscribe':
        client.filter = { kind: 'all' };
        this.send(client, 'unsubscribed', {});
        return;
    }
  }

  /** Fans one event out to the clients whose filter matches and who may see it; serialised once. */
  publish(event: LiveEventName, scope: EventScope, data: object): void {
    let frame: string | undefined;
    for (const client of [...this.clients.values()]) {
      if (!maySee(client, scope) || !matches(client.filter, scope)) continue;
      frame ??= JSON.stringify({ event, data });
      this.sendFrame(client, frame);
    }
  }

  /** An API key was revoked: its sockets close now (4401, reason says why). Returns how many. */
  closeKey(keyId: string): number {
    let closed = 0;
    for (const client of [...this.clients.values()]) {
      if (client.viewer.keyId !== keyId) continue;
      this.disconnect(client.socket);
      client.socket.close(KEY_REVOKED_CLOSE_CODE, KEY_REVOKED_CLOSE_REASON);
      setTimeout(() => client.socket.terminate(), CLOSE_HANDSHAKE_MS).unref();
      closed += 1;
    }
    if (closed > 0) this.logger.info('ws events sockets of a revoked API key closed', { key_id: keyId, sockets: closed });
    return closed;
  }

  /** A client key may follow only a session it created; another key's session is `not_found`, as a missing one. */
  private async subscribeChecked(client: LiveClient, sessionId: string): Promise<void> {
    const visibility = await this.visibility.of(client.viewer, sessionId);
    if (!this.clients.has(client.socket)) return;
    if (visibility === 'not_found') {
      this.send(client, 'error', { code: ErrorCode.NotFound, message: `session ${sessionId} not found` });
      return;
    }
    client.ownSessions.add(sessionId);
    client.filter = { kind: 'session', session_id: sessionId };
    this.send(client, 'subscribed', { session_id: sessionId });
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
