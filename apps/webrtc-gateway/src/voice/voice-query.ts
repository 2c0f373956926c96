import { isUuid } from '@voxbridge/contracts';

/** What a `GET /ws/voice` upgrade asks for. Ids are lower-cased (they end up in NATS subjects). */
export interface VoiceQuery {
  agentId: string;
  /** Absent: a new session is created. */
  sessionId?: string;
  credential: string;
}

export type ParsedVoiceQuery = { ok: true; query: VoiceQuery } | { ok: false; problem: 'unauthorized' | 'bad_request'; reason: string };

const BEARER = /^Bearer +([^\s]+) *$/i;

/**
 * Reads the upgrade request: the credential from `Authorization: Bearer`, else `?token=` (browsers
 * cannot set headers on a WebSocket), then `agent_id` and the optional `session_id`. Reasons name
 * the parameter at fault and never echo what was sent.
 */
export function parseVoiceQuery(url: string | undefined, authorization: string | undefined): ParsedVoiceQuery {
  const params = new URL(url ?? '/', 'http://localhost').searchParams;
  const credential = BEARER.exec(authorization ?? '')?.[1] ?? params.get('token') ?? '';
  if (credential === '') {
    return { ok: false, problem: 'unauthorized', reason: 'needs ?token=<voice token or API key> or Authorization: Bearer' };
  }
  const agentId = params.get('agent_id');
  if (agentId === null || agentId === '') return { ok: false, problem: 'bad_request', reason: 'agent_id is required' };
  if (!isUuid(agentId)) return { ok: false, problem: 'bad_request', reason: 'agent_id must be a UUID' };
  const sessionId = params.get('session_id');
  if (sessionId !== null && !isUuid(sessionId)) return { ok: false, problem: 'bad_request', reason: 'session_id must be a UUID' };
  const query: VoiceQuery = { agentId: agentId.toLowerCase(), credential };
  if (sessionId !== null) query.sessionId = sessionId.toLowerCase();
  return { ok: true, query };
}
