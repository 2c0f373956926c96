import {
  AgentEvent,
  AgentSubjects,
  mediaAllSessions,
  ReplyEvent,
  SessionEvent,
  SessionSubjects,
  TranscriptEvent,
  TurnEvent,
  TurnRecordedEvent,
  type Subject,
} from '@voxbridge/contracts';

/** Names a /ws/events client sees in `{event, data}`. */
export type LiveEventName =
  | 'agent_created'
  | 'agent_updated'
  | 'agent_deleted'
  | 'session_created'
  | 'session_ended'
  | 'turn_committed'
  | 'partial_transcript'
  | 'final_transcript'
  | 'ai_response_chunk'
  | 'ai_response_complete'
  | 'service_error'
  | 'turn_state';

/** What an event is about, for per-client filtering (lower-case UUIDs). */
export interface EventScope {
  session_id?: string;
  agent_id?: string;
  /** The API key that created the session, when the event says (client keys see only their own sessions). */
  owner_key_id?: string | null;
}

/** One bus subject bridged to one client event: how to validate it, whom it concerns, what to send. */
export interface LiveEventRoute<T extends object> {
  subject: Subject;
  type: new () => T;
  /**
   * The client event, or a function of the message when one subject carries several (a transcript
   * is partial, final or an error); `undefined` from it: not relayed.
   */
  event: LiveEventName | ((value: T) => LiveEventName | undefined);
  scope(value: T): EventScope;
  /** The `data` of the client message: snake_case, never anything secret. */
  data(value: T): object;
}

function route<T extends object>(definition: LiveEventRoute<T>): LiveEventRoute<object> {
  return definition as unknown as LiveEventRoute<object>;
}

/** The client event a message stands for, if any. */
export function liveEventOf<T extends object>(route: LiveEventRoute<T>, value: T): LiveEventName | undefined {
  return typeof route.event === 'function' ? route.event(value) : route.event;
}

const lower = (id: string) => id.toLowerCase();

/** Media-plane events name their session only: agent subscribers do not get them (README, Live events). */
const sessionScope = (e: { session_id: string }): EventScope => ({ session_id: lower(e.session_id) });

function transcriptData(t: TranscriptEvent): object {
  if (t.kind === 'error') {
    return {
      session_id: t.session_id,
      utterance_id: t.utterance_id,
      source: 'stt',
      code: t.error_code ?? 'internal',
      message: t.error_message ?? 'speech-to-text failed',
    };
  }
  return { session_id: t.session_id, utterance_id: t.utterance_id, text: t.text, ...(t.speaker === undefined ? {} : { speaker: t.speaker }) };
}

function replyData(r: ReplyEvent): object {
  switch (r.kind) {
    case 'delta':
      return { session_id: r.session_id, turn_id: r.turn_id, text: r.text ?? '' };
    case 'done':
      return { session_id: r.session_id, turn_id: r.turn_id, text: r.text ?? '', provider: r.provider ?? null, model: r.model ?? null };
    case 'error':
      return {
        session_id: r.session_id,
        turn_id: r.turn_id,
        source: 'llm',
        code: r.error_code ?? 'internal',
        message: r.error_message ?? 'the language model failed',
      };
  }
}

/**
 * The event map of /ws/events: every bus subject agent-api relays to its WebSocket clients.
 *
 * Voice events come from the media plane of every session (`voice.v1.*.transcript|reply|turn`):
 * one subscription per stream per replica, never one per session or client.
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
    scope: (s) => ({ session_id: lower(s.id), agent_id: lower(s.agent_id), owner_key_id: s.created_by_key_id ? lower(s.created_by_key_id) : null }),
    data: (s) => s,
  }),
  route({
    subject: SessionSubjects.sessionEnded,
    type: SessionEvent,
    event: 'session_ended',
    scope: (s) => ({ session_id: lower(s.id), agent_id: lower(s.agent_id), owner_key_id: s.created_by_key_id ? lower(s.created_by_key_id) : null }),
    data: (s) => s,
  }),
  route({
    subject: SessionSubjects.turnRecorded,
    type: TurnRecordedEvent,
    event: 'turn_committed',
    scope: (t) => ({ session_id: lower(t.session_id), agent_id: lower(t.agent_id) }),
    data: (t) => t,
  }),
  route<TranscriptEvent>({
    subject: mediaAllSessions('transcript'),
    type: TranscriptEvent,
    event: (t) => (t.kind === 'partial' ? 'partial_transcript' : t.kind === 'final' ? 'final_transcript' : 'service_error'),
    scope: sessionScope,
    data: transcriptData,
  }),
  route<ReplyEvent>({
    subject: mediaAllSessions('reply'),
    type: ReplyEvent,
    event: (r) => (r.kind === 'delta' ? 'ai_response_chunk' : r.kind === 'done' ? 'ai_response_complete' : 'service_error'),
    scope: sessionScope,
    data: replyData,
  }),
  route<TurnEvent>({
    subject: mediaAllSessions('turn'),
    type: TurnEvent,
    event: 'turn_state',
    scope: sessionScope,
    // A turn whose speech failed says so (`error_code`, `error_message` naming the TTS provider).
    data: (t) => ({ session_id: t.session_id, turn_id: t.turn_id, state: t.state, ...(t.error_code ? { error_code: t.error_code, error_message: t.error_message ?? 'text-to-speech failed' } : {}) }),
  }),
];
