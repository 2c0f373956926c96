import { buildTimeline, marksFrom, type MessageDto, type MessageTimeline } from '@voxbridge/contracts';
import type { MessageEntity } from '../persistence/message.entity';

export function toMessageDto(row: MessageEntity): MessageDto {
  return {
    id: row.id,
    session_id: row.sessionId,
    turn_id: row.turnId,
    role: row.role,
    content: row.content,
    speaker: row.speaker,
    speaker_id: row.speakerId,
    speaker_name: row.speakerName,
    created_at: row.createdAt.toISOString(),
    stt_latency_ms: row.sttLatencyMs,
    llm_ttft_ms: row.llmTtftMs,
    tts_ttfb_ms: row.ttsTtfbMs,
    total_latency_ms: row.totalLatencyMs,
    overhead_ms: row.overheadMs,
    interrupted: row.interrupted,
    provider: row.provider,
    model: row.model,
    timeline: row.timeline ? timelineOf(row.timeline) : null,
    error: row.error ?? null,
  };
}

/** Stored marks → the API's timeline: spans derived on read, so their definitions can improve. */
function timelineOf(stored: unknown): MessageTimeline {
  const marks = marksFrom(stored);
  const timeline = buildTimeline(marks);
  return {
    marks_at_ms: marks,
    spans: timeline.spans.map((span) => ({ name: span.name, owner: span.owner, start_ms: span.startMs, duration_ms: span.durationMs })),
    total_ms: timeline.totalMs,
    overhead_ms: timeline.overheadMs,
  };
}
