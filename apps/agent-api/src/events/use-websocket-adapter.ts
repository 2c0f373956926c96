import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import { LiveEventsServer } from './live-events.server';

/**
 * Serves `GET /ws/events` on the app's HTTP server. Call it from `configureHttp` (before listen).
 * A plain `ws` server on the upgrade event rather than a Nest gateway: the key is checked before
 * the handshake, and without this call agent-api still boots (just without /ws/events).
 */
export function useWebSocketAdapter(app: INestApplication): void {
  app.get(LiveEventsServer).attach(app.getHttpServer() as Server);
}
