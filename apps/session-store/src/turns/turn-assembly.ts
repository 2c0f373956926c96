import {
  buildTimeline,
  marksFrom,
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
  /** Nothing to store (the LLM failed before saying anything; or no one said what the user said). */
  | { kind: 'drop'; reason: 'llm_failed_silently' | 'no_user_text' }
  | { kind: 'write'; record: TurnRecord; agentId: string; complete: boolean };

/**
 * The turn to write, from its facts. Complete when the user's words, the answer and the final
 * "heard" are all there. When `quiet` (no fact for the assembly timeout: a stage died), what is
 * there is written as interrupted, with what was actually played — heard progress, or nothing.
 */
export function assembleTurn(turnId: string, facts: TurnFactSet, quiet: boolean): Assembly {
  const { transcribed, answered, heard, delivered } = facts;
  if (answered?.outcome === 'error' && answered.assistant_text === '' && (heard?.final || quiet)) {
    // The user was told the LLM failed (and heard an apology): there is no answer to keep.
    return { kind: 'drop', reason: 'llm_failed_silently' };
  }
  const complete = transcribed !== undefined && answered !== undefined && heard?.final === true;
  if (!complete && !quiet) return { kind: 'wait' };
  const sessionId = transcribed?.session_id ?? answered?.session_id ?? heard?.session_id ?? delivered?.session_id;
  const agentId = transcribed?.agent_id ?? answered?.agent_id;
  const userText = transcribed?.user_text ?? answered?.user_text;
  if (!sessionId || !agentId || userText === undefined) return { kind: 'drop', reason: 'no_user_text' };

  const interrupted = !complete || heard?.interrupted === true || answered?.outcome === 'cancelled';
  const assistantText = interrupted || !answered ? (heard?.heard_text ?? '') : answered.assistant_text;
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
      committedAt: null,
    },
  };
}

/** Every timeline mark the turn's facts carry. */
export function marksOf({ transcribed, answered, heard, delivered }: TurnFactSet): TimelineMarks {
  return { ...marksFrom(transcribed?.marks), ...marksFrom(answered?.marks), ...marksFrom(heard?.marks), ...marksFrom(delivered?.marks) };
}

function defined<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Partial<Record<K, number>>);
}
