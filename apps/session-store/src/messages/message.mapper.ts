import type { MessageDto } from '@voxbridge/contracts';
import type { MessageEntity } from '../persistence/message.entity';

export function toMessageDto(row: MessageEntity): MessageDto {
  return {
    id: row.id,
    session_id: row.sessionId,
    turn_id: row.turnId,
    role: row.role,
    content: row.content,
    speaker: row.speaker,
    created_at: row.createdAt.toISOString(),
    stt_latency_ms: row.sttLatencyMs,
    llm_ttft_ms: row.llmTtftMs,
    tts_ttfb_ms: row.ttsTtfbMs,
    total_latency_ms: row.totalLatencyMs,
    overhead_ms: row.overheadMs,
    interrupted: row.interrupted,
    provider: row.provider,
    model: row.model,
  };
}
