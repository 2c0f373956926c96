import type { SessionDto } from '@voxbridge/contracts';
import type { SessionEntity } from '../persistence/session.entity';

export function toSessionDto(row: SessionEntity): SessionDto {
  return {
    id: row.id,
    user_id: row.userId,
    user_name: row.userName,
    title: row.title,
    agent_id: row.agentId,
    active: row.active,
    started_at: row.startedAt.toISOString(),
    ended_at: row.endedAt ? row.endedAt.toISOString() : null,
    session_type: row.sessionType,
    session_metadata: row.sessionMetadata,
    message_count: row.messageCount,
    created_by_key_id: row.createdByKeyId,
  };
}
