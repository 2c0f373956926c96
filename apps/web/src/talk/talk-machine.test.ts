import { describe, expect, it } from 'vitest';
import type { MessageDto, VoiceServerEvents, VoiceServerMessage } from '../api/api-types';
import {
  acceptsAudio,
  backoffMs,
  indicatorOf,
  initialTalkState,
  MAX_RECONNECT_ATTEMPTS,
  talkReducer,
  type TalkAction,
  type TalkState,
} from './talk-machine';

const AGENT = '6f1c1c9e-4a8e-4c59-9a53-2f1f4f0d9b11';
const SESSION = '0b7e4a52-9d0e-4d0b-8f7a-3c2e9a1d5e60';
const TURN_1 = '11111111-1111-4111-8111-111111111111';
const TURN_2 = '22222222-2222-4222-8222-222222222222';

function server<K extends keyof VoiceServerEvents>(event: K, data: VoiceServerEvents[K]): TalkAction {
  return { type: 'server', message: { event, data } as VoiceServerMessage };
}

const ready = (resumed = false) =>
  server('ready', { session_id: SESSION, agent_id: AGENT, agent_name: 'Auren', input_sample_rate: 16000, output_sample_rate: 24000, frame_ms: 20, resumed });
const turnState = (turn_id: string | null, state: VoiceServerEvents['turn_state']['state'], heard_text?: string) =>
  server('turn_state', { turn_id, state, ...(heard_text === undefined ? {} : { heard_text }) });
const metrics = (turn_id: string, interrupted = false) =>
  server('turn_metrics', {
    turn_id,
    interrupted,
    stt_latency_ms: 180,
    llm_ttft_ms: 320,
    tts_ttfb_ms: 140,
    total_latency_ms: 690,
    overhead_ms: 50,
    timeline: null,
    provider: 'openrouter',
    model: 'anthropic/claude-3.5-sonnet',
  });

function run(actions: TalkAction[], from: TalkState = initialTalkState): TalkState {
  return actions.reduce(talkReducer, from);
}

const connected = () => run([{ type: 'start', agentId: AGENT }, ready()]);

describe('talkReducer', () => {
  it('connects: connecting until ready, then listening in the announced session', () => {
    const connecting = run([{ type: 'start', agentId: AGENT }]);
    expect(connecting.connection).toBe('connecting');
    expect(indicatorOf(connecting)).toBe('connecting');

    const open = talkReducer(connecting, ready());
    expect(open).toMatchObject({ connection: 'open', sessionId: SESSION, agentName: 'Auren', turnState: 'listening' });
    expect(indicatorOf(open)).toBe('listening');
  });

  it('goes listening → thinking → speaking → interrupted through one turn', () => {
    let state = talkReducer(connected(), server('speech_started', { utterance_id: 'u1', at_ms: 1 }));
    expect(state.userSpeaking).toBe(true);
    state = run([server('partial_transcript', { utterance_id: 'u1', text: 'what is the' })], state);
    expect(state.partial).toBe('what is the');
    state = run([server('speech_stopped', { utterance_id: 'u1', at_ms: 900 }), server('final_transcript', { utterance_id: 'u1', text: 'what is the weather' })], state);
    expect(state.partial).toBe('');
    expect(state.turns).toEqual([expect.objectContaining({ userText: 'what is the weather', status: 'pending' })]);

    state = talkReducer(state, turnState(TURN_1, 'thinking'));
    expect(indicatorOf(state)).toBe('thinking');
    expect(state.turns[0]).toMatchObject({ turnId: TURN_1, status: 'thinking' });

    state = talkReducer(state, turnState(TURN_1, 'speaking'));
    expect(indicatorOf(state)).toBe('speaking');
    expect(state.currentTurnId).toBe(TURN_1);

    state = talkReducer(state, turnState(TURN_1, 'interrupted', 'It is sunny'));
    expect(indicatorOf(state)).toBe('interrupted');
    expect(state.turns[0]).toMatchObject({ status: 'interrupted', heardText: 'It is sunny' });
    expect(state.turns).toHaveLength(1);
  });

  it('accumulates the streamed reply, then keeps the complete text', () => {
    const state = run(
      [
        server('final_transcript', { utterance_id: 'u1', text: 'capital of Italy?' }),
        server('ai_response_chunk', { turn_id: TURN_1, text: 'The capital' }),
        server('ai_response_chunk', { turn_id: TURN_1, text: ' of Italy' }),
      ],
      connected(),
    );
    expect(state.turns[0]).toMatchObject({ turnId: TURN_1, userText: 'capital of Italy?', reply: 'The capital of Italy' });
    const complete = talkReducer(state, server('ai_response_complete', { turn_id: TURN_1, text: 'The capital of Italy is Rome.' }));
    expect(complete.turns[0]?.reply).toBe('The capital of Italy is Rome.');
  });

  it('keeps each turn’s reply and metrics apart', () => {
    const state = run(
      [
        server('final_transcript', { utterance_id: 'u1', text: 'one' }),
        turnState(TURN_1, 'thinking'),
        server('ai_response_chunk', { turn_id: TURN_1, text: 'first' }),
        turnState(TURN_1, 'done'),
        metrics(TURN_1),
        server('final_transcript', { utterance_id: 'u2', text: 'two' }),
        turnState(TURN_2, 'thinking'),
        server('ai_response_chunk', { turn_id: TURN_2, text: 'second' }),
        metrics(TURN_2, true),
      ],
      connected(),
    );
    expect(state.turns.map((t) => [t.userText, t.reply, t.status])).toEqual([
      ['one', 'first', 'done'],
      ['two', 'second', 'interrupted'],
    ]);
    expect(state.turns[0]?.metrics).toMatchObject({ total_latency_ms: 690, overhead_ms: 50, stt_latency_ms: 180 });
    expect(state.turns[1]?.metrics?.interrupted).toBe(true);
  });

  it('starts a turn of its own for a reply that came without a transcript', () => {
    const state = run([server('ai_response_chunk', { turn_id: TURN_1, text: 'Hello!' })], connected());
    expect(state.turns).toEqual([expect.objectContaining({ key: TURN_1, userText: '', reply: 'Hello!' })]);
  });

  it('pairs a final transcript with its turn when the turn’s first event overtook it', () => {
    const state = run(
      [
        turnState(TURN_1, 'thinking'),
        server('final_transcript', { utterance_id: 'u1', text: 'what time is it' }),
        server('ai_response_chunk', { turn_id: TURN_1, text: 'Noon.' }),
      ],
      connected(),
    );
    expect(state.turns.map((t) => [t.turnId, t.userText, t.reply])).toEqual([[TURN_1, 'what time is it', 'Noon.']]);
  });

  it('does not give a finished turn the next utterance', () => {
    const state = run(
      [server('ai_response_chunk', { turn_id: TURN_1, text: 'Hi, I am Auren.' }), turnState(TURN_1, 'done'), server('final_transcript', { utterance_id: 'u1', text: 'hello' })],
      connected(),
    );
    expect(state.turns.map((t) => [t.turnId, t.userText])).toEqual([
      [TURN_1, ''],
      [null, 'hello'],
    ]);
  });

  it('ignores an empty final transcript', () => {
    const state = run([server('partial_transcript', { utterance_id: 'u1', text: 'hm' }), server('final_transcript', { utterance_id: 'u1', text: '  ' })], connected());
    expect(state.turns).toHaveLength(0);
    expect(state.partial).toBe('');
  });

  describe('audio of an interrupted turn', () => {
    it('is dropped from the interruption until another turn starts', () => {
      let state = run([turnState(TURN_1, 'speaking')], connected());
      expect(acceptsAudio(state)).toBe(true);
      state = talkReducer(state, turnState(TURN_1, 'interrupted'));
      expect(acceptsAudio(state)).toBe(false);
      state = talkReducer(state, turnState(TURN_1, 'speaking')); // late, out of order: still dropped
      expect(acceptsAudio(state)).toBe(false);
      state = talkReducer(state, turnState(TURN_2, 'thinking'));
      expect(acceptsAudio(state)).toBe(true);
    });

    it('is dropped after the user asks to interrupt', () => {
      const state = run([turnState(TURN_1, 'speaking'), { type: 'interrupt_requested' }], connected());
      expect(state.droppingAudioOf).toBe(TURN_1);
      expect(acceptsAudio(state)).toBe(false);
    });

    it('is not played while not connected', () => {
      expect(acceptsAudio(run([{ type: 'start', agentId: AGENT }]))).toBe(false);
    });
  });

  describe('errors', () => {
    it('shows a service error with its service until dismissed, and keeps the conversation going', () => {
      const message = 'OpenRouter refused the API key: set OPENROUTER_API_KEY for llm-router';
      let state = run([server('service_error', { code: 'llm_authentication_failed', message, service: 'llm-router', turn_id: TURN_1 })], connected());
      expect(state.error).toEqual({ source: 'service', code: 'llm_authentication_failed', message, service: 'llm-router' });
      expect(state.connection).toBe('open');
      state = talkReducer(state, { type: 'dismiss_error' });
      expect(state.error).toBeNull();
    });

    it("clears a service's error when that service is back, and only that service's", () => {
      const lost = server('service_error', { code: 'unavailable', message: 'webrtc-gateway lost the message bus (NATS)', service: 'nats' });
      let state = run([lost, server('service_recovered', { service: 'llm-router', message: 'llm-router answers again' })], connected());
      expect(state.error?.service).toBe('nats');
      state = run([server('service_recovered', { service: 'nats', message: 'the message bus (NATS) is back' })], state);
      expect(state.error).toBeNull();
    });

    it('fails without retrying when the microphone cannot be opened', () => {
      const state = run([{ type: 'start', agentId: AGENT }, { type: 'fatal', source: 'microphone', code: 'microphone_unavailable', message: 'Microphone access was refused.' }]);
      expect(state.connection).toBe('failed');
      expect(state.retryInMs).toBeNull();
      expect(state.error?.source).toBe('microphone');
      expect(indicatorOf(state)).toBe('idle');
    });
  });

  describe('reconnecting', () => {
    it('waits longer after each failed attempt, up to 8 s', () => {
      expect([1, 2, 3, 4, 5, 6].map(backoffMs)).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    });

    it('reconnects with backoff when the socket drops, keeping the session and its turns', () => {
      let state = run([server('final_transcript', { utterance_id: 'u1', text: 'hello' }), { type: 'socket_closed', code: 1006, reason: '' }], connected());
      expect(state).toMatchObject({ connection: 'reconnecting', reconnectAttempt: 1, retryInMs: 500, sessionId: SESSION });
      expect(indicatorOf(state)).toBe('reconnecting');
      state = talkReducer(state, { type: 'socket_closed', code: 1006, reason: '' });
      expect(state).toMatchObject({ reconnectAttempt: 2, retryInMs: 1000 });

      state = talkReducer(state, ready(true));
      expect(state).toMatchObject({ connection: 'open', reconnectAttempt: 0, retryInMs: null, sessionId: SESSION });
      expect(state.turns.map((t) => t.userText)).toEqual(['hello']);
    });

    it('keeps a provider error across a reconnect until dismissed', () => {
      const state = run(
        [
          server('service_error', { code: 'tts_unavailable', message: 'Chatterbox is down', service: 'tts-gateway' }),
          { type: 'socket_closed', code: 1011, reason: 'fleet failed' },
        ],
        connected(),
      );
      expect(state).toMatchObject({ connection: 'reconnecting', lastCloseReason: 'fleet failed' });
      expect(state.error?.code).toBe('tts_unavailable');
      expect(talkReducer(state, ready(true)).error?.code).toBe('tts_unavailable');
    });

    it('gives up after the last attempt', () => {
      let state = connected();
      for (let i = 0; i < MAX_RECONNECT_ATTEMPTS; i++) state = talkReducer(state, { type: 'socket_closed', code: 1006, reason: '' });
      expect(state.connection).toBe('reconnecting');
      state = talkReducer(state, { type: 'socket_closed', code: 1006, reason: '' });
      expect(state).toMatchObject({ connection: 'failed', retryInMs: null });
      expect(state.error?.message).toContain(`${MAX_RECONNECT_ATTEMPTS} attempts`);
    });

    it.each([
      [1008, 'unauthorized'],
      [4404, 'unknown session'],
    ])('does not retry after close code %i', (code, reason) => {
      const state = run([{ type: 'socket_closed', code, reason }], connected());
      expect(state.connection).toBe('failed');
      expect(state.error?.message).toContain(reason);
    });

    it('ends quietly when the server closes normally', () => {
      const state = run([{ type: 'socket_closed', code: 1000, reason: '' }], connected());
      expect(state.connection).toBe('idle');
      expect(state.error).toBeNull();
    });

    it('does not reconnect after the user stopped', () => {
      const state = run([{ type: 'stop' }, { type: 'socket_closed', code: 1006, reason: '' }], connected());
      expect(state.connection).toBe('idle');
      expect(state.retryInMs).toBeNull();
    });
  });

  describe('typed turns', () => {
    const chunk = (turn_id: string, text: string) => server('ai_response_chunk', { turn_id, text });

    it('shows the typed words at once and gives the turn the id of the reply that streams in next', () => {
      const state = run([{ type: 'text_sent', key: 'text-1', text: 'What is the capital of Italy?' }, chunk(TURN_1, 'Rome.')], connected());
      expect(state.turns).toEqual([expect.objectContaining({ key: 'text-1', turnId: TURN_1, userText: 'What is the capital of Italy?', reply: 'Rome.' })]);
    });

    it('takes the chat endpoint’s final text when the voice socket did not carry the reply', () => {
      const state = run([{ type: 'text_sent', key: 'text-1', text: 'hi' }, { type: 'text_done', key: 'text-1', turnId: TURN_2, text: 'Hello!' }], connected());
      expect(state.turns[0]).toMatchObject({ turnId: TURN_2, reply: 'Hello!', status: 'done' });
    });

    it('keeps what the user heard of an interrupted typed turn', () => {
      const state = run(
        [
          { type: 'text_sent', key: 'text-1', text: 'tell me a story' },
          chunk(TURN_1, 'Once upon a time there was'),
          turnState(TURN_1, 'interrupted', 'Once upon'),
          { type: 'text_done', key: 'text-1', turnId: TURN_1, text: 'Once upon a time there was a fox.' },
        ],
        connected(),
      );
      expect(state.turns[0]).toMatchObject({ status: 'interrupted', reply: 'Once upon a time there was', heardText: 'Once upon' });
    });

    it('reports a failed typed turn without ending the call', () => {
      const state = run([{ type: 'text_sent', key: 'text-1', text: 'hi' }, { type: 'text_failed', key: 'text-1', code: 'timeout', message: 'no answer' }], connected());
      expect(state.connection).toBe('open');
      expect(state.error).toEqual({ source: 'service', code: 'timeout', message: 'no answer' });
    });
  });

  describe('failed turns (turn_committed)', () => {
    const LLM_DOWN = { stage: 'llm', provider: 'ollama', code: 'provider_unreachable', message: 'Ollama did not answer' } as const;
    const APOLOGY = 'Sorry, I could not answer that just now.';
    const stored = (overrides: Partial<MessageDto>): MessageDto => ({
      id: 'm',
      session_id: SESSION,
      turn_id: TURN_1,
      role: 'user',
      content: '',
      speaker: null,
      created_at: '2026-12-04T10:01:00.000Z',
      stt_latency_ms: null,
      llm_ttft_ms: null,
      tts_ttfb_ms: null,
      total_latency_ms: null,
      overhead_ms: null,
      interrupted: false,
      provider: null,
      model: null,
      timeline: null,
      ...overrides,
    });
    const failedTurn = (turn_id: string | null, session_id = SESSION): TalkAction => ({
      type: 'turn_committed',
      messages: [
        stored({ id: 'u', turn_id, session_id, role: 'user', content: 'what is the capital of france' }),
        stored({ id: 'a', turn_id, session_id, role: 'assistant', content: APOLOGY, error: LLM_DOWN }),
      ],
    });
    const finalTranscript = (text: string) => server('final_transcript', { utterance_id: 'u1', text });

    it('marks the turn with that id failed, with what went wrong and what was said instead', () => {
      const state = run([finalTranscript('what is the capital of france'), turnState(TURN_1, 'thinking'), failedTurn(TURN_1)], connected());
      expect(state.turns).toEqual([
        expect.objectContaining({ turnId: TURN_1, userText: 'what is the capital of france', status: 'done', failure: { error: LLM_DOWN, said: APOLOGY } }),
      ]);
    });

    it('gives the failure to the newest turn still without an id (no reply events came)', () => {
      const state = run([finalTranscript('what is the capital of france'), failedTurn(TURN_2)], connected());
      expect(state.turns).toEqual([expect.objectContaining({ key: 'u1', turnId: TURN_2, failure: { error: LLM_DOWN, said: APOLOGY } })]);
    });

    it('prefers the turn without an id that has the same words', () => {
      const state = run([finalTranscript('what is the capital of france'), server('final_transcript', { utterance_id: 'u2', text: 'hello?' }), failedTurn(TURN_2)], connected());
      expect(state.turns.map((turn) => [turn.key, turn.failure?.error.code ?? null])).toEqual([
        ['u1', 'provider_unreachable'],
        ['u2', null],
      ]);
    });

    it('adds the turn when nothing on the page belongs to it', () => {
      const state = run([failedTurn(TURN_2)], connected());
      expect(state.turns).toEqual([expect.objectContaining({ turnId: TURN_2, userText: 'what is the capital of france', status: 'done', failure: { error: LLM_DOWN, said: APOLOGY } })]);
    });

    it('ignores turns that did not fail and turns of other sessions', () => {
      const before = run([finalTranscript('hello'), turnState(TURN_1, 'speaking')], connected());
      const ok: TalkAction = { type: 'turn_committed', messages: [stored({ role: 'assistant', content: 'Paris.' })] };
      expect(run([ok, failedTurn(TURN_1, '99999999-9999-4999-8999-999999999999')], before)).toBe(before);
    });
  });

  it('mutes and unmutes, and a new call starts unmuted', () => {
    expect(run([{ type: 'mute', muted: true }], connected()).muted).toBe(true);
    expect(run([{ type: 'mute', muted: true }, { type: 'start', agentId: AGENT }], connected()).muted).toBe(false);
  });
});

