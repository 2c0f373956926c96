import { useEffect, useRef } from 'react';
import type { MessageDto } from '../api/api-types';
import { useApi } from '../auth/auth';

/** One `/ws/events` message (apps/agent-api README, "Live events"): `{event, data}`, snake_case data. */
export interface LiveEvent {
  event: string;
  data: unknown;
}

/** `turn_committed` (bus subject `sessions.v1.evt.turn.recorded`): the turn's stored messages. */
export function committedMessages(event: LiveEvent): MessageDto[] | null {
  if (event.event !== 'turn_committed') return null;
  const messages = (event.data as { messages?: unknown } | null)?.messages;
  return Array.isArray(messages) ? (messages as MessageDto[]) : null;
}

const PING_EVERY_MS = 25_000;
const MAX_RETRY_MS = 30_000;

/**
 * Listens to `/ws/events` while the component is mounted, reconnecting with backoff (1 s doubling
 * to 30 s). Live updates are a convenience: pages load their data over REST either way.
 */
export function useLiveEvents(onEvent: (event: LiveEvent) => void): void {
  const api = useApi();
  const handler = useRef(onEvent);
  handler.current = onEvent;

  useEffect(() => {
    let socket: WebSocket | null = null;
    let retryTimer: number | undefined;
    let pingTimer: number | undefined;
    let failures = 0;
    let closed = false;

    const connect = () => {
      socket = new WebSocket(api.liveEventsUrl());
      socket.onopen = () => {
        failures = 0;
        pingTimer = window.setInterval(() => socket?.send('ping'), PING_EVERY_MS);
      };
      socket.onmessage = (message: MessageEvent) => {
        if (typeof message.data !== 'string') return;
        let event: unknown;
        try {
          event = JSON.parse(message.data);
        } catch {
          console.warn('/ws/events: ignored a message that is not JSON');
          return;
        }
        if (typeof (event as LiveEvent | null)?.event === 'string') handler.current(event as LiveEvent);
      };
      socket.onclose = () => {
        window.clearInterval(pingTimer);
        if (closed) return;
        failures += 1;
        retryTimer = window.setTimeout(connect, Math.min(1000 * 2 ** (failures - 1), MAX_RETRY_MS));
      };
    };
    connect();

    return () => {
      closed = true;
      window.clearTimeout(retryTimer);
      window.clearInterval(pingTimer);
      socket?.close(1000);
    };
  }, [api]);
}
