import type { ReplyEvent, TranscriptEvent, TurnEvent, VoiceServerMessage } from '@voxbridge/contracts';
import { VoiceEventMapper } from './voice-event-mapper';

const SESSION = '11111111-1111-4111-8111-111111111111';
const UTTERANCE = '22222222-2222-4222-8222-222222222222';
const TURN_1 = '33333333-3333-4333-8333-333333333333';
const TURN_2 = '44444444-4444-4444-8444-444444444444';

const transcript = (kind: TranscriptEvent['kind'], text: string, extra: Partial<TranscriptEvent> = {}): TranscriptEvent => ({
  session_id: SESSION,
  utterance_id: UTTERANCE,
  kind,
  text,
  ...extra,
});
const reply = (turnId: string, kind: ReplyEvent['kind'], seq: number, extra: Partial<ReplyEvent> = {}): ReplyEvent => ({
  session_id: SESSION,
  turn_id: turnId,
  kind,
  seq,
  ...extra,
});
const turn = (turnId: string, state: TurnEvent['state'], extra: Partial<TurnEvent> = {}): TurnEvent => ({
  session_id: SESSION,
  turn_id: turnId,
  state,
  ...extra,
});

/** `state` or `state:turn_id` of every turn_state message. */
const states = (messages: VoiceServerMessage[]) =>
  messages.flatMap((m) => (m.event === 'turn_state' ? [m.data.turn_id ? `${m.data.state}:${m.data.turn_id.slice(0, 4)}` : m.data.state] : []));

describe(VoiceEventMapper.name, () => {
  it('maps vad and transcripts to the client events', () => {
    const sut = new VoiceEventMapper();
    expect(sut.vad({ session_id: SESSION, kind: 'speech_started', utterance_id: UTTERANCE, at_ms: 5 })).toEqual([
      { event: 'speech_started', data: { utterance_id: UTTERANCE, at_ms: 5 } },
    ]);
    expect(sut.vad({ session_id: SESSION, kind: 'speech_stopped', utterance_id: UTTERANCE, at_ms: 900 })).toEqual([
      { event: 'speech_stopped', data: { utterance_id: UTTERANCE, at_ms: 900 } },
    ]);
    expect(sut.transcript(transcript('partial', 'turn on'))).toEqual([
      { event: 'partial_transcript', data: { utterance_id: UTTERANCE, text: 'turn on' } },
    ]);
    expect(sut.transcript(transcript('error', '', { error_code: 'stt_timeout', error_message: 'WhisperX did not answer' }))).toEqual([
      { event: 'service_error', data: { code: 'stt_timeout', message: 'WhisperX did not answer', service: 'stt-gateway' } },
    ]);
  });

  it('sends the browser nothing for the tentative voice_onset / voice_dismissed (only confirmed speech)', () => {
    const sut = new VoiceEventMapper();
    expect(sut.vad({ session_id: SESSION, kind: 'voice_onset', utterance_id: UTTERANCE, at_ms: 5 })).toEqual([]);
    expect(sut.vad({ session_id: SESSION, kind: 'voice_dismissed', utterance_id: UTTERANCE, at_ms: 125 })).toEqual([]);
  });

  it('walks a turn listening → thinking → speaking → done → listening, once per state', () => {
    const sut = new VoiceEventMapper();
    const out = [
      ...sut.listening(),
      ...sut.transcript(transcript('final', 'hello')),
      ...sut.turn(turn(TURN_1, 'thinking')),
      ...sut.turn(turn(TURN_1, 'speaking', { first_audio_at_ms: 1 })),
      ...sut.turn(turn(TURN_1, 'done', { heard_text: 'Hi there.' })),
    ];
    expect(out[1]).toEqual({ event: 'final_transcript', data: { utterance_id: UTTERANCE, text: 'hello' } });
    expect(states(out)).toEqual(['listening', 'thinking', 'speaking:3333', 'done:3333', 'listening']);
    expect(out.find((m) => m.event === 'turn_state' && m.data.state === 'done')?.data).toEqual({ turn_id: TURN_1, state: 'done', heard_text: 'Hi there.' });
  });

  it('tells the client when the speech of a turn failed, naming tts-gateway and what it said', () => {
    const sut = new VoiceEventMapper();
    sut.listening();
    sut.turn(turn(TURN_1, 'thinking'));
    const out = sut.turn(turn(TURN_1, 'done', { heard_text: '', error_code: 'unavailable', error_message: 'text-to-speech (auto) failed: install flite' }));
    expect(out[0]).toEqual({
      event: 'service_error',
      data: { code: 'unavailable', message: 'text-to-speech (auto) failed: install flite', turn_id: TURN_1, service: 'tts-gateway' },
    });
    expect(states(out)).toEqual(['done:3333', 'listening']);
  });

  it('starts no thinking on an empty final (llm-router starts no turn for it)', () => {
    const sut = new VoiceEventMapper();
    sut.listening();
    expect(states(sut.transcript(transcript('final', '  ')))).toEqual([]);
  });

  it('goes back to listening after a barge-in and drops the interrupted turn’s audio from the cancel on', () => {
    const sut = new VoiceEventMapper();
    sut.listening();
    sut.transcript(transcript('final', 'tell me a story'));
    sut.turn(turn(TURN_1, 'speaking'));
    expect(sut.acceptsAudio(TURN_1)).toBe(true);
    sut.control({ session_id: SESSION, action: 'cancel', reason: 'client_interrupt' });
    expect(sut.acceptsAudio(TURN_1)).toBe(false);
    expect(sut.acceptsAudio(TURN_2)).toBe(true);
    expect(sut.acceptsAudio(undefined)).toBe(true);
    expect(states(sut.turn(turn(TURN_1, 'interrupted', { heard_text: 'Once' })))).toEqual(['interrupted:3333', 'listening']);
  });

  it('ignores the late events of a turn superseded by a newer final while it spoke', () => {
    const sut = new VoiceEventMapper();
    sut.listening();
    sut.transcript(transcript('final', 'first'));
    sut.turn(turn(TURN_1, 'speaking'));
    const out = [
      ...sut.transcript(transcript('final', 'second')),
      ...sut.turn(turn(TURN_1, 'interrupted', { heard_text: '' })),
      ...sut.turn(turn(TURN_2, 'thinking')),
      ...sut.turn(turn(TURN_2, 'speaking')),
    ];
    expect(states(out)).toEqual(['thinking', 'speaking:4444']);
    expect(sut.acceptsAudio(TURN_1)).toBe(false);
  });

  it('ignores the end of an older turn while a newer one is known', () => {
    const sut = new VoiceEventMapper();
    sut.listening();
    sut.turn(turn(TURN_2, 'thinking'));
    expect(states(sut.turn(turn(TURN_1, 'interrupted')))).toEqual([]);
    expect(states(sut.turn(turn(TURN_2, 'speaking')))).toEqual(['speaking:4444']);
  });

  it('streams reply chunks and completes with the full text of the turn', () => {
    const sut = new VoiceEventMapper();
    const out = [
      ...sut.reply(reply(TURN_1, 'delta', 0, { text: 'Hello' })),
      ...sut.reply(reply(TURN_2, 'delta', 0, { text: 'Other' })),
      ...sut.reply(reply(TURN_1, 'delta', 1, { text: ', world.' })),
      ...sut.reply(reply(TURN_1, 'delta', 2, { text: '' })),
      ...sut.reply(reply(TURN_1, 'done', 3)),
      ...sut.reply(reply(TURN_2, 'done', 1, { text: 'Other text from the router.' })),
    ];
    expect(out).toEqual([
      { event: 'ai_response_chunk', data: { turn_id: TURN_1, text: 'Hello' } },
      { event: 'ai_response_chunk', data: { turn_id: TURN_2, text: 'Other' } },
      { event: 'ai_response_chunk', data: { turn_id: TURN_1, text: ', world.' } },
      { event: 'ai_response_complete', data: { turn_id: TURN_1, text: 'Hello, world.' } },
      { event: 'ai_response_complete', data: { turn_id: TURN_2, text: 'Other text from the router.' } },
    ]);
  });

  it('turns a reply error into a service_error naming llm-router and the message', () => {
    const sut = new VoiceEventMapper();
    expect(sut.reply(reply(TURN_1, 'error', 0, { error_code: 'llm_unavailable', error_message: 'OpenRouter is down' }))).toEqual([
      { event: 'service_error', data: { code: 'llm_unavailable', message: 'OpenRouter is down', turn_id: TURN_1, service: 'llm-router' } },
    ]);
    expect(sut.reply(reply(TURN_2, 'error', 0))[0]?.data).toMatchObject({ code: 'internal', message: 'the language model failed' });
  });

  it('reports a stored turn’s latencies and timeline from its assistant message, null where unknown', () => {
    const sut = new VoiceEventMapper();
    const message = {
      id: TURN_2,
      session_id: SESSION,
      turn_id: TURN_1,
      content: 'hello',
      speaker: null,
      created_at: new Date().toISOString(),
      interrupted: false,
      stt_latency_ms: 120,
      llm_ttft_ms: 300,
      tts_ttfb_ms: null,
      total_latency_ms: 900,
      overhead_ms: 12,
      provider: 'openai_compatible',
      model: null,
      timeline: null,
    };
    expect(sut.recorded({ turn_id: TURN_1, session_id: SESSION, agent_id: SESSION, messages: [{ ...message, role: 'user' }] })).toEqual([]);
    const [metrics] = sut.recorded({ turn_id: TURN_1, session_id: SESSION, agent_id: SESSION, messages: [{ ...message, role: 'user' }, { ...message, role: 'assistant' }] });
    expect(metrics).toEqual({
      event: 'turn_metrics',
      data: {
        turn_id: TURN_1,
        interrupted: false,
        stt_latency_ms: 120,
        llm_ttft_ms: 300,
        tts_ttfb_ms: null,
        total_latency_ms: 900,
        overhead_ms: 12,
        provider: 'openai_compatible',
        model: null,
        timeline: null,
      },
    });
  });
});
