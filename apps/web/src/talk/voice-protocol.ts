import type { VoiceClientMessage, VoiceServerEvents, VoiceServerMessage } from '../api/api-types';

/** The voice socket's URL: `ws_url` from the token answer (absolute, or relative to this page), plus the query. */
export function voiceSocketUrl(
  wsUrl: string,
  params: { agentId: string; token: string; sessionId: string | null },
  pageUrl: string = window.location.href,
): string {
  const url = new URL(wsUrl, pageUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  url.searchParams.set('agent_id', params.agentId);
  url.searchParams.set('token', params.token);
  if (params.sessionId) url.searchParams.set('session_id', params.sessionId);
  return url.toString();
}

const EVENTS: ReadonlyArray<keyof VoiceServerEvents> = [
  'ready',
  'speech_started',
  'speech_stopped',
  'partial_transcript',
  'final_transcript',
  'ai_response_chunk',
  'ai_response_complete',
  'turn_state',
  'turn_metrics',
  'service_error',
  'service_recovered',
];

/**
 * A text frame from the server as `{event, data}`, or null when it is not one of the protocol's
 * events. The server is trusted for the shape of `data` (it validates what it relays).
 */
export function parseServerMessage(text: string): VoiceServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null; // not JSON: the caller reports it
  }
  const candidate = value as { event?: unknown; data?: unknown } | null;
  if (typeof candidate?.event !== 'string' || !EVENTS.includes(candidate.event as keyof VoiceServerEvents)) return null;
  if (typeof candidate.data !== 'object' || candidate.data === null) return null;
  return candidate as VoiceServerMessage;
}

export function clientMessage(type: VoiceClientMessage['type']): string {
  const message: VoiceClientMessage = { type };
  return JSON.stringify(message);
}
