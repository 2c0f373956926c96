import { AgentEvent, AgentSubjects, SessionEvent, SessionSubjects, TurnRecordedEvent, type Subject } from '@voxbridge/contracts';

/** Names a /ws/events client sees in `{event, data}`. */
export type LiveEventName =
  | 'agent_created'
  | 'agent_updated'
  | 'agent_deleted'
  | 'session_created'
  | 'session_ended'
  | 'turn_committed';

/** What an event is about, for per-client filtering (lower-case UUIDs). */
export interface EventScope {
  session_id?: string;
  agent_id?: string;
}

/** One bus subject bridged to one client event: how to validate it, whom it concerns, what to send. */
export interface LiveEventRoute<T extends object> {
  subject: Subject;
  type: new () => T;
  event: LiveEventName;
  scope(value: T): EventScope;
  /** The `data` of the client message: snake_case, never anything secret. */
  data(value: T): object;
}

function route<T extends object>(definition: LiveEventRoute<T>): LiveEventRoute<object> {
  return definition as unknown as LiveEventRoute<object>;
}

const lower = (id: string) => id.toLowerCase();

/**
 * The event map of /ws/events: every bus subject agent-api relays to its WebSocket clients.
 *
 * Extension point: the voice pipeline's `partial_transcript`, `final_transcript`,
 * `ai_response_chunk`, `ai_response_complete` and `service_error` join here as routes once
 * libs/contracts defines their payload classes and a subject for them (the media-plane subjects
 * are per session, `voice.v1.<sid>.transcript|reply`, with no fleet-wide subject yet).
 */
export const LIVE_EVENT_ROUTES: ReadonlyArray<LiveEventRoute<object>> = [
  route({
    subject: AgentSubjects.created,
    type: AgentEvent,
    event: 'agent_created',
    scope: (e) => ({ agent_id: lower(e.id) }),
    data: (e) => e.agent ?? { id: e.id },
  }),
  route({
    subject: AgentSubjects.updated,
    type: AgentEvent,
    event: 'agent_updated',
    scope: (e) => ({ agent_id: lower(e.id) }),
    data: (e) => e.agent ?? { id: e.id },
  }),
  route({
    subject: AgentSubjects.deleted,
    type: AgentEvent,
    event: 'agent_deleted',
    scope: (e) => ({ agent_id: lower(e.id) }),
    data: (e) => ({ id: e.id }),
  }),
  route({
    subject: SessionSubjects.sessionCreated,
    type: SessionEvent,
    event: 'session_created',
    scope: (s) => ({ session_id: lower(s.id), agent_id: lower(s.agent_id) }),
    data: (s) => s,
  }),
  route({
    subject: SessionSubjects.sessionEnded,
    type: SessionEvent,
    event: 'session_ended',
    scope: (s) => ({ session_id: lower(s.id), agent_id: lower(s.agent_id) }),
    data: (s) => s,
  }),
  route({
    subject: SessionSubjects.turnRecorded,
    type: TurnRecordedEvent,
    event: 'turn_committed',
    scope: (t) => ({ session_id: lower(t.session_id), agent_id: lower(t.agent_id) }),
    data: (t) => t,
  }),
];
