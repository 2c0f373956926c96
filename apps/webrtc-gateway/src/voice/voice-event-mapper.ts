import type {
  ControlEvent,
  ReplyEvent,
  TranscriptEvent,
  TurnRecordedEvent,
  TurnEvent,
  TurnState,
  VadEvent,
  VoiceServerEvents,
  VoiceServerMessage,
} from '@voxbridge/contracts';

export function voiceMessage<K extends keyof VoiceServerEvents>(event: K, data: VoiceServerEvents[K]): VoiceServerMessage {
  return { event, data } as VoiceServerMessage;
}

/** Turn ids remembered per socket: enough for a few overlapping turns, bounded however long it lives. */
const REMEMBERED_TURNS = 32;

/** The newest turn ids, a bounded few: enough to recognise a turn's late events. */
export class RecentIds {
  private readonly ids = new Set<string>();

  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > REMEMBERED_TURNS) this.ids.delete(this.ids.values().next().value as string);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }
}

/**
 * The media plane of one session as one browser sees it: bus events in, `{event, data}` messages
 * out. Holds the socket's view of the turn so `turn_state` changes only when the state does:
 * `listening` after ready, `thinking` on a final transcript (llm-router's own `thinking` then adds
 * nothing), `speaking` / `interrupted` / `done` from tts-gateway, then `listening` again. Events of
 * a turn that is over (done, interrupted, or superseded by a newer final) are ignored, and its
 * audio is dropped from then on, as is the audio of a cancelled turn.
 */
export class VoiceEventMapper {
  private state: TurnState | undefined;
  private currentTurn: string | null = null;
  private readonly replyText = new Map<string, string>();
  private readonly overTurns = new RecentIds();
  private readonly silencedTurns = new RecentIds();

  /** Right after `ready`. */
  listening(): VoiceServerMessage[] {
    return this.changeState('listening', null);
  }

  vad(event: VadEvent): VoiceServerMessage[] {
    switch (event.kind) {
      case 'speech_started':
      case 'speech_stopped':
        return [voiceMessage(event.kind, { utterance_id: event.utterance_id, at_ms: event.at_ms })];
      // Tentative (tts-gateway pauses on them); the browser hears of speech only once it is confirmed.
      case 'voice_onset':
      case 'voice_dismissed':
        return [];
    }
  }

  transcript(event: TranscriptEvent): VoiceServerMessage[] {
    const ids = { utterance_id: event.utterance_id };
    switch (event.kind) {
      case 'partial':
        return [voiceMessage('partial_transcript', { ...ids, text: event.text })];
      case 'final': {
        const final = voiceMessage('final_transcript', { ...ids, text: event.text });
        // llm-router starts no turn for an empty final.
        if (event.text.trim() === '') return [final];
        // A final while the agent speaks supersedes that turn. (While `thinking`, the turn we know
        // may already be the one this final starts: its event can overtake the transcript.)
        if (this.currentTurn !== null && this.state === 'speaking') this.endTurn(this.currentTurn);
        return [final, ...this.changeState('thinking', null)];
      }
      case 'error':
        return [
          voiceMessage('service_error', {
            code: event.error_code ?? 'internal',
            message: event.error_message ?? 'speech-to-text failed',
            service: 'stt-gateway',
          }),
        ];
    }
  }

  reply(event: ReplyEvent): VoiceServerMessage[] {
    const turnId = event.turn_id;
    switch (event.kind) {
      case 'delta': {
        const text = event.text ?? '';
        if (text === '') return [];
        const soFar = this.replyText.get(turnId) ?? '';
        this.replyText.delete(turnId); // re-inserted last: the oldest turn is the one evicted
        this.replyText.set(turnId, soFar + text);
        if (this.replyText.size > REMEMBERED_TURNS) this.replyText.delete(this.replyText.keys().next().value as string);
        return [voiceMessage('ai_response_chunk', { turn_id: turnId, text })];
      }
      case 'done': {
        const text = event.text ?? this.replyText.get(turnId) ?? '';
        this.replyText.delete(turnId);
        return [voiceMessage('ai_response_complete', { turn_id: turnId, text })];
      }
      case 'error':
        this.replyText.delete(turnId);
        return [
          voiceMessage('service_error', {
            code: event.error_code ?? 'internal',
            message: event.error_message ?? 'the language model failed',
            turn_id: turnId,
            service: 'llm-router',
          }),
        ];
    }
  }

  turn(event: TurnEvent): VoiceServerMessage[] {
    const turnId = event.turn_id;
    if (this.overTurns.has(turnId)) return [];
    switch (event.state) {
      case 'thinking':
      case 'speaking':
        this.currentTurn = turnId;
        return this.changeState(event.state, turnId);
      case 'interrupted':
      case 'done': {
        const failed = event.error_code
          ? [voiceMessage('service_error', { code: event.error_code, message: event.error_message ?? 'text-to-speech failed', turn_id: turnId, service: 'tts-gateway' })]
          : [];
        if (this.currentTurn !== null && this.currentTurn !== turnId) return failed;
        this.endTurn(turnId);
        const ended = voiceMessage('turn_state', {
          turn_id: turnId,
          state: event.state,
          ...(event.heard_text === undefined ? {} : { heard_text: event.heard_text }),
        });
        this.state = event.state;
        return [...failed, ended, ...this.changeState('listening', null)];
      }
      case 'listening':
        return this.changeState('listening', null);
    }
  }

  /** A cancel (barge-in, the client's interrupt): the turn's audio still in flight is dropped. */
  control(event: ControlEvent): void {
    if (event.action !== 'cancel') return;
    const turnId = event.turn_id ?? this.currentTurn;
    if (turnId !== null) this.silencedTurns.add(turnId);
  }

  /** Whether an `audio.out` frame of this turn should still reach the client. */
  acceptsAudio(turnId: string | undefined): boolean {
    return turnId === undefined || !this.silencedTurns.has(turnId);
  }

  /** A turn as stored: the assistant message's latencies and timeline. */
  recorded(event: TurnRecordedEvent): VoiceServerMessage[] {
    const answer = event.messages.find((message) => message.role === 'assistant');
    if (!answer) return [];
    return [
      voiceMessage('turn_metrics', {
        turn_id: event.turn_id,
        interrupted: answer.interrupted,
        stt_latency_ms: answer.stt_latency_ms,
        llm_ttft_ms: answer.llm_ttft_ms,
        tts_ttfb_ms: answer.tts_ttfb_ms,
        total_latency_ms: answer.total_latency_ms,
        overhead_ms: answer.overhead_ms,
        provider: answer.provider,
        model: answer.model,
        timeline: answer.timeline ?? null,
      }),
    ];
  }

  private endTurn(turnId: string): void {
    this.overTurns.add(turnId);
    this.silencedTurns.add(turnId);
    if (this.currentTurn === turnId) this.currentTurn = null;
  }

  private changeState(state: TurnState, turnId: string | null): VoiceServerMessage[] {
    if (this.state === state) return [];
    this.state = state;
    return [voiceMessage('turn_state', { turn_id: turnId, state })];
  }
}
