import type { MessageDto, MessageError, TurnState, VoiceServerEvents, VoiceServerMessage } from '../api/api-types';

/**
 * The Talk page's state as a pure reducer: what the voice socket said, what the user did, and
 * what the connection is doing. The voice session feeds it and reads back the decisions
 * (reconnect or not, play or drop incoming audio); React renders it.
 */

export type Connection = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'failed';

export type TurnMetrics = VoiceServerEvents['turn_metrics'];

export interface TalkTurn {
  /** The user's utterance id, or the turn id when the turn came without a final transcript. */
  key: string;
  turnId: string | null;
  userText: string;
  reply: string;
  status: 'pending' | 'thinking' | 'speaking' | 'done' | 'interrupted';
  /** Interrupted turns: the words the user heard before speaking over the agent. */
  heardText: string | null;
  metrics: TurnMetrics | null;
  /** The turn failed (from its stored assistant message): what went wrong, and what was said instead ('' for nothing). */
  failure?: { error: MessageError; said: string } | null;
}

export interface TalkError {
  source: 'service' | 'connection' | 'microphone';
  code: string;
  message: string;
  /** The failing provider or service, when the server named it. */
  service?: string;
}

export interface TalkState {
  connection: Connection;
  agentId: string | null;
  agentName: string | null;
  /** Known after `ready`; reconnects resume it. */
  sessionId: string | null;
  /** Consecutive failed connection attempts; 0 once `ready` arrives. */
  reconnectAttempt: number;
  /** While reconnecting: how long to wait before the next attempt, and why the socket closed. */
  retryInMs: number | null;
  lastCloseReason: string | null;
  turnState: TurnState | null;
  currentTurnId: string | null;
  userSpeaking: boolean;
  /** The user muted the microphone: no audio frames are sent. */
  muted: boolean;
  partial: string;
  turns: TalkTurn[];
  error: TalkError | null;
  /**
   * Audio of this turn is dropped: it was interrupted, but frames already on their way still
   * arrive. Cleared when another turn starts.
   */
  droppingAudioOf: string | null;
}

export type TalkAction =
  | { type: 'start'; agentId: string }
  | { type: 'server'; message: VoiceServerMessage }
  | { type: 'socket_closed'; code: number; reason: string }
  | { type: 'fatal'; source: TalkError['source']; code: string; message: string }
  /** A problem to show that does not end the call (a microphone switch that failed). */
  | { type: 'error'; source: TalkError['source']; code: string; message: string }
  | { type: 'interrupt_requested' }
  | { type: 'mute'; muted: boolean }
  /** The user typed `text` (a text turn in the voice conversation); `key` names its turn until the server's turn id is known. */
  | { type: 'text_sent'; key: string; text: string }
  /** The text turn's complete answer, from the chat endpoint (the voice socket usually streamed it already). */
  | { type: 'text_done'; key: string; turnId: string; text: string }
  | { type: 'text_failed'; key: string; code: string; message: string }
  | { type: 'stop' }
  | { type: 'dismiss_error' }
  /** A turn of this conversation was stored (`turn_committed` on `/ws/events`): a failed one is marked with what went wrong. */
  | { type: 'turn_committed'; messages: MessageDto[] };

export const MAX_RECONNECT_ATTEMPTS = 8;

/** 0.5 s, 1 s, 2 s, 4 s, then 8 s between attempts. */
export function backoffMs(attempt: number): number {
  return Math.min(500 * 2 ** Math.max(0, attempt - 1), 8_000);
}

/** Close codes of `/ws/voice` after which trying again cannot help. */
const FATAL_CLOSE: Record<number, string> = {
  1008: 'The voice gateway refused the connection',
  4404: 'The agent or conversation no longer exists',
};

export const initialTalkState: TalkState = {
  connection: 'idle',
  agentId: null,
  agentName: null,
  sessionId: null,
  reconnectAttempt: 0,
  retryInMs: null,
  lastCloseReason: null,
  turnState: null,
  currentTurnId: null,
  userSpeaking: false,
  muted: false,
  partial: '',
  turns: [],
  error: null,
  droppingAudioOf: null,
};

export function talkReducer(state: TalkState, action: TalkAction): TalkState {
  switch (action.type) {
    case 'start':
      return { ...initialTalkState, connection: 'connecting', agentId: action.agentId };
    case 'server':
      return state.connection === 'idle' ? state : onServer(state, action.message);
    case 'socket_closed':
      return onClosed(state, action.code, action.reason);
    case 'fatal':
      return {
        ...state,
        connection: state.connection === 'idle' ? 'idle' : 'failed',
        retryInMs: null,
        userSpeaking: false,
        error: { source: action.source, code: action.code, message: action.message },
      };
    case 'interrupt_requested':
      return state.currentTurnId ? { ...state, droppingAudioOf: state.currentTurnId } : state;
    case 'error':
      return { ...state, error: { source: action.source, code: action.code, message: action.message } };
    case 'mute':
      return { ...state, muted: action.muted };
    case 'text_sent': {
      const turn: TalkTurn = { key: action.key, turnId: null, userText: action.text, reply: '', status: 'pending', heardText: null, metrics: null };
      return { ...state, turns: [...state.turns, turn] };
    }
    case 'text_done':
      return onTextDone(state, action.key, action.turnId, action.text);
    case 'text_failed':
      return {
        ...state,
        turns: state.turns.map((turn) => (turn.key === action.key && turn.status === 'pending' ? { ...turn, status: 'done' } : turn)),
        error: { source: 'service', code: action.code, message: action.message },
      };
    case 'stop':
      return { ...state, connection: 'idle', retryInMs: null, userSpeaking: false, partial: '', turnState: null };
    case 'dismiss_error':
      return { ...state, error: null };
    case 'turn_committed':
      return onTurnCommitted(state, action.messages);
  }
}

/**
 * A stored turn of this session. Only a failed one changes what is shown: the voice socket names
 * neither the failing stage nor provider, nor shows the apology that was spoken instead. The turn is
 * found by its id, else among the turns still without one (no reply events came) by the user's
 * words, else the newest of them; else it is added.
 */
function onTurnCommitted(state: TalkState, messages: MessageDto[]): TalkState {
  const failed = messages.find((message) => message.role === 'assistant' && message.error);
  if (!failed?.error || !state.sessionId || failed.session_id !== state.sessionId) return state;
  const user = messages.find((message) => message.role === 'user');
  const failure = { error: failed.error, said: failed.content };
  const turns = [...state.turns];
  let index = failed.turn_id ? turns.findIndex((turn) => turn.turnId === failed.turn_id) : -1;
  if (index === -1) {
    // A turn without an id: the one with these words, else the newest one.
    const open = turns.map((turn, at) => ({ turn, at })).filter(({ turn }) => turn.turnId === null && !turn.failure);
    index = (open.filter(({ turn }) => user && turn.userText === user.content).at(-1) ?? open.at(-1))?.at ?? -1;
  }
  if (index === -1) {
    turns.push({ key: failed.turn_id ?? failed.id, turnId: failed.turn_id, userText: user?.content ?? '', reply: '', status: 'done', heardText: null, metrics: null, failure });
    return { ...state, turns };
  }
  const turn = turns[index] as TalkTurn;
  turns[index] = {
    ...turn,
    turnId: turn.turnId ?? failed.turn_id,
    userText: turn.userText || (user?.content ?? ''),
    status: turn.status === 'interrupted' ? 'interrupted' : 'done',
    failure,
  };
  return { ...state, turns };
}

function onServer(state: TalkState, message: VoiceServerMessage): TalkState {
  switch (message.event) {
    case 'ready':
      return {
        ...state,
        connection: 'open',
        sessionId: message.data.session_id,
        agentId: message.data.agent_id,
        agentName: message.data.agent_name,
        reconnectAttempt: 0,
        retryInMs: null,
        lastCloseReason: null,
        turnState: 'listening',
        droppingAudioOf: null,
      };
    case 'speech_started':
      return { ...state, userSpeaking: true };
    case 'speech_stopped':
      return { ...state, userSpeaking: false };
    case 'partial_transcript':
      return { ...state, partial: message.data.text };
    case 'final_transcript': {
      const text = message.data.text.trim();
      if (!text) return { ...state, partial: '' };
      const last = state.turns[state.turns.length - 1];
      if (last && awaitsTranscript(last)) {
        // The turn's first event overtook its transcript (they travel on different streams).
        return { ...state, partial: '', turns: [...state.turns.slice(0, -1), { ...last, userText: text }] };
      }
      const turn: TalkTurn = { key: message.data.utterance_id, turnId: null, userText: text, reply: '', status: 'pending', heardText: null, metrics: null };
      return { ...state, partial: '', turns: [...state.turns, turn] };
    }
    case 'ai_response_chunk':
      return updateTurn(state, message.data.turn_id, (turn) => ({ ...turn, reply: turn.reply + message.data.text }));
    case 'ai_response_complete':
      return updateTurn(state, message.data.turn_id, (turn) => ({ ...turn, reply: message.data.text || turn.reply }));
    case 'turn_state':
      return onTurnState(state, message.data);
    case 'turn_metrics':
      return updateTurn(state, message.data.turn_id, (turn) => ({
        ...turn,
        metrics: message.data,
        status: message.data.interrupted || turn.status === 'interrupted' ? 'interrupted' : 'done',
      }));
    case 'service_error':
      return {
        ...state,
        error: { source: 'service', code: message.data.code, message: message.data.message, service: message.data.service },
      };
    case 'service_recovered':
      // Only the error of that service goes away; another one's stays.
      return state.error?.source === 'service' && state.error.service === message.data.service ? { ...state, error: null } : state;
  }
}

function onTurnState(state: TalkState, data: VoiceServerEvents['turn_state']): TalkState {
  const active = data.state === 'thinking' || data.state === 'speaking';
  const next: TalkState = { ...state, turnState: data.state, currentTurnId: active ? (data.turn_id ?? state.currentTurnId) : null };
  const turnId = data.turn_id;
  if (!turnId) return next;
  if (data.state === 'interrupted') next.droppingAudioOf = turnId;
  else if (active && state.droppingAudioOf !== turnId) next.droppingAudioOf = null;
  if (data.state === 'listening') return next;
  const status = data.state;
  return updateTurn(next, turnId, (turn) => ({
    ...turn,
    status: turn.status === 'interrupted' ? 'interrupted' : status,
    heardText: data.heard_text ?? turn.heardText,
  }));
}

/**
 * The chat endpoint's final answer. The voice socket relays the same turn's reply events, so the
 * turn usually has its id and text already; otherwise the typed turn (`key`) gets them now.
 */
function onTextDone(state: TalkState, key: string, turnId: string, text: string): TalkState {
  const finish = (turn: TalkTurn): TalkTurn => ({
    ...turn,
    turnId,
    reply: turn.status === 'interrupted' ? turn.reply : text || turn.reply,
    status: turn.status === 'pending' || turn.status === 'thinking' ? 'done' : turn.status,
  });
  if (state.turns.some((turn) => turn.turnId === turnId)) return { ...state, turns: state.turns.map((turn) => (turn.turnId === turnId ? finish(turn) : turn)) };
  return { ...state, turns: state.turns.map((turn) => (turn.key === key && turn.turnId === null ? finish(turn) : turn)) };
}

/** A turn the server started before its final transcript arrived: still running, no user text yet. */
function awaitsTranscript(turn: TalkTurn): boolean {
  return turn.turnId !== null && turn.userText === '' && turn.metrics === null && (turn.status === 'thinking' || turn.status === 'speaking');
}

/**
 * Applies `change` to the turn with this id. A turn id seen for the first time belongs to the
 * latest final transcript that has none yet (the server answers utterances in order); without
 * one, it starts a turn of its own.
 */
function updateTurn(state: TalkState, turnId: string, change: (turn: TalkTurn) => TalkTurn): TalkState {
  const turns = [...state.turns];
  let index = turns.findIndex((turn) => turn.turnId === turnId);
  if (index === -1) {
    const last = turns[turns.length - 1];
    if (last && last.turnId === null) {
      index = turns.length - 1;
      turns[index] = { ...last, turnId, status: 'thinking' };
    } else {
      turns.push({ key: turnId, turnId, userText: '', reply: '', status: 'thinking', heardText: null, metrics: null });
      index = turns.length - 1;
    }
  }
  const turn = turns[index];
  if (turn) turns[index] = change(turn);
  return { ...state, turns };
}

function onClosed(state: TalkState, code: number, reason: string): TalkState {
  if (state.connection === 'idle' || state.connection === 'failed') return state;
  const base = { ...state, userSpeaking: false, partial: '', turnState: null };
  const fatal = FATAL_CLOSE[code];
  if (fatal) {
    return { ...base, connection: 'failed', retryInMs: null, error: { source: 'connection', code: String(code), message: reason ? `${fatal}: ${reason}` : `${fatal}.` } };
  }
  if (code === 1000) {
    return { ...base, connection: 'idle', retryInMs: null };
  }
  const attempt = state.reconnectAttempt + 1;
  if (attempt > MAX_RECONNECT_ATTEMPTS) {
    return {
      ...base,
      connection: 'failed',
      retryInMs: null,
      error: { source: 'connection', code: String(code), message: `Lost the connection to the voice gateway and could not get it back after ${MAX_RECONNECT_ATTEMPTS} attempts.` },
    };
  }
  // The reconnect banner says the connection is down; `error` keeps whatever a provider reported.
  return { ...base, connection: 'reconnecting', reconnectAttempt: attempt, retryInMs: backoffMs(attempt), lastCloseReason: reason || null };
}

/** Whether audio arriving now should be played. */
export function acceptsAudio(state: TalkState): boolean {
  return state.connection === 'open' && state.droppingAudioOf === null;
}

export type Indicator = 'idle' | 'connecting' | 'reconnecting' | 'listening' | 'thinking' | 'speaking' | 'interrupted';

/** The one word the state indicator shows. */
export function indicatorOf(state: TalkState): Indicator {
  switch (state.connection) {
    case 'idle':
    case 'failed':
      return 'idle';
    case 'connecting':
      return 'connecting';
    case 'reconnecting':
      return 'reconnecting';
    case 'open':
      if (state.turnState === 'thinking' || state.turnState === 'speaking' || state.turnState === 'interrupted') return state.turnState;
      return 'listening';
  }
}
