import {
  buildTimeline,
  marksFrom,
  type MessageError,
  type TimelineMarks,
  type TurnAnsweredFact,
  type TurnDeliveredFact,
  type TurnHeardFact,
  type TurnTranscribedFact,
} from '@voxbridge/contracts';
import type { TurnRecord } from '../messages/messages.service';

/** What session-store holds of one voice turn: the latest fact of each kind. */
export interface TurnFactSet {
  transcribed?: TurnTranscribedFact;
  answered?: TurnAnsweredFact;
  heard?: TurnHeardFact;
  delivered?: TurnDeliveredFact;
}

export type Assembly =
  /** Not everything is known yet, and the turn may still go on. */
  | { kind: 'wait' }
  /** Nothing to store: no one said what the user said. */
  | { kind: 'drop'; reason: 'no_user_text' }
  /** `failed`: the LLM or TTS failed; the record carries the error and what was said instead. */
  | { kind: 'write'; record: TurnRecord; agentId: string; complete: boolean; failed: boolean };

/**
 * The turn to write, from its facts. Complete when the user's words, the answer and the final
 * "heard" are all there. When `quiet` (no fact for the assembly timeout: a stage died), what is
 * there is written as interrupted, with what was actually played — heard progress, or nothing.
 * A failed turn (the LLM's answer is an error, or the final heard fact names a TTS failure) is
 * written too: the user's words, and an assistant message with the error and what was heard
 * instead (the apology), not the answer that was never spoken.
 */
export function assembleTurn(turnId: string, facts: TurnFactSet, quiet: boolean): Assembly {
  const { transcribed, answered, heard, delivered } = facts;
  const error = failureOf(facts);
  // A failed LLM answered before stt's fact may be stored: its user_text is the user's words.
  const complete = (transcribed !== undefined || answered?.outcome === 'error') && answered !== undefined && heard?.final === true;
  if (!complete && !quiet) return { kind: 'wait' };
  const sessionId = transcribed?.session_id ?? answered?.session_id ?? heard?.session_id ?? delivered?.session_id;
  const agentId = transcribed?.agent_id ?? answered?.agent_id;
  const userText = transcribed?.user_text ?? answered?.user_text;
  if (!sessionId || !agentId || userText === undefined) return { kind: 'drop', reason: 'no_user_text' };

  const interrupted = !complete || heard?.interrupted === true || answered?.outcome === 'cancelled';
  const assistantText = interrupted || !answered || error ? (heard?.heard_text ?? '') : answered.assistant_text;
  const marks = marksOf(facts);
  const timeline = buildTimeline(marks);
  const span = (name: string) => timeline.spans.find((s) => s.name === name)?.durationMs;
  const speaker = transcribed?.speaker ?? answered?.speaker;
  const speakerId = transcribed?.speaker_id ?? answered?.speaker_id;
  const speakerName = transcribed?.speaker_name ?? answered?.speaker_name;
  return {
    kind: 'write',
    agentId,
    complete,
    failed: error !== undefined,
    record: {
      turnId,
      sessionId,
      userText,
      assistantText,
      interrupted,
      ...(speaker ? { speaker } : {}),
      ...(speakerId ? { speakerId } : {}),
      ...(speakerName ? { speakerName } : {}),
      ...defined('sttLatencyMs', span('stt_ms')),
      ...defined('llmTtftMs', span('llm_ttft_ms')),
      ...defined('ttsTtfbMs', span('tts_ttfb_ms')),
      ...(timeline.totalMs !== null ? { totalLatencyMs: timeline.totalMs } : {}),
      ...(timeline.overheadMs !== null ? { overheadMs: timeline.overheadMs } : {}),
      ...(answered?.provider ? { provider: answered.provider } : {}),
      ...(answered?.model ? { model: answered.model } : {}),
      timeline: marks,
      ...(error ? { error } : {}),
      committedAt: null,
    },
  };
}

/** What went wrong in the turn, as its facts say: the LLM's error outcome first, else a TTS failure. */
export function failureOf({ answered, heard }: TurnFactSet): MessageError | undefined {
  if (answered?.outcome === 'error') {
    return {
      stage: 'llm',
      provider: answered.provider ?? answered.error_provider ?? null,
      code: answered.error_code ?? 'unknown',
      message: answered.error_message ?? null,
    };
  }
  if (heard?.final && heard.error_code) {
    return { stage: 'tts', provider: heard.error_provider ?? null, code: heard.error_code, message: heard.error_message ?? null };
  }
  return undefined;
}

/** Every timeline mark the turn's facts carry. */
export function marksOf({ transcribed, answered, heard, delivered }: TurnFactSet): TimelineMarks {
  return { ...marksFrom(transcribed?.marks), ...marksFrom(answered?.marks), ...marksFrom(heard?.marks), ...marksFrom(delivered?.marks) };
}

function defined<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Partial<Record<K, number>>);
}
