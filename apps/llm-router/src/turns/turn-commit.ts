import type { TurnCommittedEvent } from '@voxbridge/contracts';

/** The stt marks of a voice turn's final transcript. */
export interface SpeechMarks {
  speechEndAtMs?: number;
  endOfTurnSilenceMs?: number;
  sttLatencyMs?: number;
}

/** tts-gateway's marks: `speaking` and `done` / `interrupted`. */
export interface AudioMarks {
  firstAudioAtMs?: number;
  ttsTtfbMs?: number;
  /** First token → first speakable chunk at tts-gateway: LLM generation time, not overhead. */
  firstChunkWaitMs?: number;
}

export interface CommitInput {
  turnId: string;
  sessionId: string;
  agentId: string;
  userText: string;
  assistantText: string;
  interrupted: boolean;
  speaker?: string;
  provider?: string;
  model?: string;
  llmTtftMs?: number;
  speech?: SpeechMarks;
  audio?: AudioMarks;
  now: Date;
}

/**
 * The durable turn. total = first audio out − last voiced sample; overhead = total − end-of-turn
 * silence − STT − time to first token − the LLM's time to a first speakable chunk − TTS time to
 * first byte. A latency is left out when a mark
 * it needs is missing (text turns have no audio marks).
 */
export function buildCommittedTurn(input: CommitInput): TurnCommittedEvent {
  const { speech = {}, audio = {} } = input;
  const total =
    audio.firstAudioAtMs !== undefined && speech.speechEndAtMs !== undefined && audio.firstAudioAtMs >= speech.speechEndAtMs
      ? audio.firstAudioAtMs - speech.speechEndAtMs
      : undefined;
  const parts = [speech.endOfTurnSilenceMs, speech.sttLatencyMs, input.llmTtftMs, audio.ttsTtfbMs];
  const overhead =
    total !== undefined && parts.every((p) => p !== undefined)
      ? total - parts.reduce<number>((sum, p) => sum + (p ?? 0), 0) - (audio.firstChunkWaitMs ?? 0)
      : undefined;
  const event: TurnCommittedEvent = {
    turn_id: input.turnId,
    session_id: input.sessionId,
    agent_id: input.agentId,
    user_text: input.userText,
    assistant_text: input.assistantText,
    interrupted: input.interrupted,
    committed_at: input.now.toISOString(),
  };
  const optional: Partial<TurnCommittedEvent> = {
    speaker: input.speaker,
    stt_latency_ms: speech.sttLatencyMs,
    llm_ttft_ms: input.llmTtftMs,
    tts_ttfb_ms: audio.ttsTtfbMs,
    total_latency_ms: total,
    overhead_ms: overhead,
    provider: input.provider,
    model: input.model,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (event as unknown as Record<string, unknown>)[key] = value;
  }
  return event;
}
