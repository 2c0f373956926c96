import { Injectable } from '@nestjs/common';
import type { MessageDto, TurnCommittedEvent } from '@voxbridge/contracts';
import { AppLogger } from '@voxbridge/platform';
import { MessagesService, type TurnRecord } from '../messages/messages.service';
import { TurnsMetrics } from './turns.metrics';

export type TurnOutcomeResult =
  | { outcome: 'written' | 'duplicate'; messages: MessageDto[] }
  | { outcome: 'unknown_session' };

/** Records committed turns: once per turn id, timed and counted. */
@Injectable()
export class TurnsService {
  private readonly logger: AppLogger;

  constructor(
    private readonly messages: MessagesService,
    private readonly metrics: TurnsMetrics,
    logger: AppLogger,
  ) {
    this.logger = logger.child({ component: 'turns' });
  }

  /**
   * A turn for a session that does not exist (deleted meanwhile, or never created) is dropped with
   * a warning: redelivering it could never succeed, and creating a session for it would resurrect
   * deleted conversations.
   */
  record(turn: TurnCommittedEvent): Promise<TurnOutcomeResult> {
    return this.write({
      turnId: turn.turn_id,
      sessionId: turn.session_id,
      userText: turn.user_text,
      assistantText: turn.assistant_text,
      interrupted: turn.interrupted,
      speaker: turn.speaker,
      speakerId: turn.speaker_id,
      speakerName: turn.speaker_name,
      sttLatencyMs: turn.stt_latency_ms,
      llmTtftMs: turn.llm_ttft_ms,
      ttsTtfbMs: turn.tts_ttfb_ms,
      totalLatencyMs: turn.total_latency_ms,
      overheadMs: turn.overhead_ms,
      provider: turn.provider,
      model: turn.model,
      committedAt: parseInstant(turn.committed_at),
    });
  }

  /** Writes a turn (a text turn as committed, or a voice turn assembled from its facts) once per turn id. */
  async write(turn: TurnRecord): Promise<TurnOutcomeResult> {
    const startedAt = performance.now();
    const result = await this.messages.recordTurn(turn);
    const writeMs = performance.now() - startedAt;
    const where = { session_id: turn.sessionId, turn_id: turn.turnId };
    if (result.status === 'unknown_session') {
      this.metrics.record('unknown_session', writeMs);
      this.logger.warn('turn for an unknown session dropped', where);
      return { outcome: 'unknown_session' };
    }
    const outcome = result.inserted > 0 ? 'written' : 'duplicate';
    this.metrics.record(outcome, writeMs);
    this.logger.debug(outcome === 'written' ? 'turn written' : 'turn already written; skipped', { ...where, write_ms: Math.round(writeMs) });
    return { outcome, messages: result.messages };
  }
}

/** The event's timestamp when it is one; otherwise the database's clock decides. */
function parseInstant(value: string): Date | null {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
