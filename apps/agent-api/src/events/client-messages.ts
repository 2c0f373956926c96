import { ErrorCode, isUuid } from '@voxbridge/contracts';

/** What a /ws/events client may ask for. A client gets every event until it subscribes. */
export type ClientCommand =
  | { action: 'ping' }
  | { action: 'subscribe'; filter: EventFilter }
  | { action: 'unsubscribe' };

/** Which events a client receives: all, or those of one session or of one agent. */
export type EventFilter = { kind: 'all' } | { kind: 'session'; session_id: string } | { kind: 'agent'; agent_id: string };

export interface ClientMessageError {
  code: ErrorCode;
  message: string;
}

const ACTIONS = ['ping', 'subscribe', 'unsubscribe'];

function refuse(message: string): { ok: false; error: ClientMessageError } {
  return { ok: false, error: { code: ErrorCode.ValidationFailed, message } };
}

/**
 * Parses one client frame: the text `ping`, or JSON `{"action": ...}`. Messages name the field at
 * fault and never echo what the client sent.
 */
export function parseClientMessage(text: string): { ok: true; command: ClientCommand } | { ok: false; error: ClientMessageError } {
  if (text.trim() === 'ping') return { ok: true, command: { action: 'ping' } };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse('message must be JSON or the text "ping"');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return refuse('message must be a JSON object');
  const { action, session_id: sessionId, agent_id: agentId, ...rest } = value as Record<string, unknown>;
  if (typeof action !== 'string' || !ACTIONS.includes(action)) return refuse(`action must be one of ${ACTIONS.join(', ')}`);
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return refuse(`unknown fields: ${unknown.join(', ')}`);
  if (action === 'ping' || action === 'unsubscribe') {
    if (sessionId !== undefined || agentId !== undefined) return refuse(`${action} takes no session_id or agent_id`);
    return { ok: true, command: { action } };
  }
  if ((sessionId === undefined) === (agentId === undefined)) return refuse('subscribe needs exactly one of session_id, agent_id');
  if (sessionId !== undefined) {
    if (!isUuid(sessionId)) return refuse('session_id must be a UUID');
    return { ok: true, command: { action: 'subscribe', filter: { kind: 'session', session_id: sessionId.toLowerCase() } } };
  }
  if (!isUuid(agentId)) return refuse('agent_id must be a UUID');
  return { ok: true, command: { action: 'subscribe', filter: { kind: 'agent', agent_id: agentId.toLowerCase() } } };
}
