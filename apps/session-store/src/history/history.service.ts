import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { HistoryDto } from '@voxbridge/contracts';
import { ConversationChanges } from '../changes/conversation-changes';
import { SessionStoreEnv } from '../config/session-store.env';
import { MessagesService } from '../messages/messages.service';
import { selectHistory } from './history-budget';
import { HistoryCache } from './history-cache';
import { HistoryError, HistoryErrorCode } from './history.errors';

export const DEFAULT_HISTORY_TURNS = 20;
export const DEFAULT_HISTORY_CHARS = 16_000;

/** The conversation as LLM context, cached briefly and dropped on every change to the session. */
@Injectable()
export class HistoryService implements OnModuleDestroy {
  private readonly cache: HistoryCache<HistoryDto>;
  private readonly stopListening: () => void;

  constructor(
    private readonly messages: MessagesService,
    changes: ConversationChanges,
    config: SessionStoreEnv,
  ) {
    this.cache = new HistoryCache({ ttlMs: config.HISTORY_CACHE_TTL_MS, maxSessions: config.HISTORY_CACHE_MAX_SESSIONS });
    this.stopListening = changes.listen((sessionId) => this.cache.invalidate(sessionId));
  }

  onModuleDestroy(): void {
    this.stopListening();
  }

  history(sessionId: string, maxTurns = DEFAULT_HISTORY_TURNS, maxChars = DEFAULT_HISTORY_CHARS): Promise<HistoryDto> {
    return this.cache.getOrLoad(sessionId, `${maxTurns}:${maxChars}`, async () => {
      const recent = await this.messages.recentTurns(sessionId, maxTurns);
      if (!recent) throw new HistoryError(HistoryErrorCode.SessionNotFound, `session ${sessionId} not found`);
      return { session_id: sessionId, messages: selectHistory(recent, maxTurns, maxChars) };
    });
  }

  /** Another replica wrote to the session. */
  invalidate(sessionId: string): void {
    this.cache.invalidate(sessionId);
  }
}
