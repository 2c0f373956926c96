import type { AppendMessageRequest, MessageDto } from '@voxbridge/contracts';
import { randomUUID } from 'node:crypto';

/** A message as session-store answers an append through the API (no turn, no latencies), for fake session-stores. */
export function appendedMessage(r: AppendMessageRequest): MessageDto {
  return {
    id: randomUUID(),
    session_id: r.session_id,
    turn_id: null,
    role: r.role,
    content: r.content,
    speaker: r.speaker ?? null,
    created_at: new Date().toISOString(),
    stt_latency_ms: null,
    llm_ttft_ms: null,
    tts_ttfb_ms: null,
    total_latency_ms: null,
    overhead_ms: null,
    interrupted: false,
    provider: null,
    model: null,
    timeline: null,
  };
}
