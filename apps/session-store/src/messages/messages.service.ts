import { Injectable } from '@nestjs/common';
import type { MessageDto, MessageError, MessageRole, TimelineMarks } from '@voxbridge/contracts';
import { ConversationChanges } from '../changes/conversation-changes';
import { toMessageDto } from './message.mapper';
import { MessagesError } from './messages.errors';
import { MessagesRepository, type NewMessage } from './messages.repository';

export const DEFAULT_MESSAGE_LIMIT = 1_000;

export interface AppendMessage {
  role: MessageRole;
  content: string;
  speaker?: string;
}

/** One finished voice/text turn: what the user said and what they heard back, with its timings. */
export interface TurnRecord {
  turnId: string;
  sessionId: string;
  userText: string;
  assistantText: string;
  interrupted: boolean;
  speaker?: string;
  /** Several people in the session: whose words (on the user message). */
  speakerId?: string;
  speakerName?: string;
  sttLatencyMs?: number;
  llmTtftMs?: number;
  ttsTtfbMs?: number;
  totalLatencyMs?: number;
  overheadMs?: number;
  provider?: string;
  model?: string;
  /** A voice turn's timeline marks (stored on the assistant message). */
  timeline?: TimelineMarks;
  /** A failed turn: what went wrong (on the assistant message, whose text is what was said instead). */
  error?: MessageError;
  committedAt: Date | null;
}

export type TurnWrite =
  | { status: 'written'; inserted: number; messages: MessageDto[] }
  | { status: 'unknown_session' };

const blank: Omit<NewMessage, 'role' | 'content'> = {
  speaker: null,
  speakerId: null,
  speakerName: null,
  turnId: null,
  createdAt: null,
  sttLatencyMs: null,
  llmTtftMs: null,
  ttsTtfbMs: null,
  totalLatencyMs: null,
  overheadMs: null,
  interrupted: false,
  provider: null,
  model: null,
  timeline: null,
  error: null,
};

@Injectable()
export class MessagesService {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly changes: ConversationChanges,
  ) {}

  async append(sessionId: string, input: AppendMessage): Promise<MessageDto> {
    const row = await this.messages.append(sessionId, { ...blank, role: input.role, content: input.content, speaker: input.speaker ?? null });
    if (!row) throw MessagesError.sessionNotFound(sessionId);
    this.changes.changed(sessionId);
    return toMessageDto(row);
  }

  async list(sessionId: string, limit = DEFAULT_MESSAGE_LIMIT): Promise<MessageDto[]> {
    const rows = await this.messages.list(sessionId, limit);
    // An empty page may be an unknown session: only then is the extra lookup needed.
    if (rows.length === 0 && !(await this.messages.sessionExists(sessionId))) throw MessagesError.sessionNotFound(sessionId);
    return rows.map(toMessageDto);
  }

  /**
   * Writes the turn's user and assistant messages once per turn id, however often it is called.
   * Latencies go on the assistant message (they describe producing the answer); the speaker on the user's.
   */
  async recordTurn(turn: TurnRecord): Promise<TurnWrite> {
    const user: NewMessage = {
      ...blank,
      role: 'user',
      content: turn.userText,
      speaker: turn.speaker ?? null,
      speakerId: turn.speakerId ?? null,
      speakerName: turn.speakerName ?? null,
      createdAt: turn.committedAt,
    };
    const assistant: NewMessage = {
      ...blank,
      role: 'assistant',
      content: turn.assistantText,
      speaker: turn.speaker ?? null,
      createdAt: turn.committedAt,
      sttLatencyMs: turn.sttLatencyMs ?? null,
      llmTtftMs: turn.llmTtftMs ?? null,
      ttsTtfbMs: turn.ttsTtfbMs ?? null,
      totalLatencyMs: turn.totalLatencyMs ?? null,
      overheadMs: turn.overheadMs ?? null,
      interrupted: turn.interrupted,
      provider: turn.provider ?? null,
      model: turn.model ?? null,
      timeline: turn.timeline ?? null,
      error: turn.error ?? null,
    };
    const result = await this.messages.writeTurn(turn.sessionId, turn.turnId, [user, assistant]);
    if (!result) return { status: 'unknown_session' };
    if (result.inserted > 0) this.changes.changed(turn.sessionId);
    return { status: 'written', inserted: result.inserted, messages: result.messages.map(toMessageDto) };
  }

  /** Newest first, from the `maxTurns`-th newest user message on; null for an unknown session. */
  async recentTurns(sessionId: string, maxTurns: number): Promise<Array<{ role: MessageRole; content: string; speaker_name?: string }> | null> {
    const rows = await this.messages.recentTurns(sessionId, maxTurns);
    if (rows.length === 0 && !(await this.messages.sessionExists(sessionId))) return null;
    return rows.map((row) => ({ role: row.role, content: row.content, ...(row.role === 'user' && row.speakerName ? { speaker_name: row.speakerName } : {}) }));
  }
}
