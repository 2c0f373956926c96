import type { MessageRole } from '@voxbridge/contracts';

export interface HistoryMessage {
  role: MessageRole;
  content: string;
  /** User messages of a conversation with several people: who said it. */
  speaker_name?: string;
}

const ELLIPSIS = '…';

/**
 * The LLM context of a conversation: from messages newest first, the last `maxTurns` turns whose
 * contents fit in `maxChars`, oldest first. A turn is a user message with the messages after it
 * (messages before the first user message form one turn of their own). Whole turns only, and
 * contiguous: an older turn never skips a newer one that did not fit. Only when even the newest turn
 * is over budget is it cut: its newest messages are kept and the oldest kept one loses its start.
 * Blank messages (an answer interrupted before a word was heard) carry nothing and are left out.
 */
export function selectHistory(newestFirst: readonly HistoryMessage[], maxTurns: number, maxChars: number): HistoryMessage[] {
  const turns = groupTurns(newestFirst.filter((m) => m.content.trim().length > 0));
  const kept: HistoryMessage[][] = [];
  let chars = 0;
  for (const turn of turns) {
    if (kept.length >= maxTurns) break;
    const size = turn.reduce((sum, m) => sum + m.content.length, 0);
    if (chars + size <= maxChars) {
      kept.push(turn);
      chars += size;
      continue;
    }
    if (kept.length === 0) kept.push(cutToFit(turn, maxChars));
    break;
  }
  return kept.reverse().flat();
}

/** Turns newest first, each in chronological order. */
function groupTurns(newestFirst: readonly HistoryMessage[]): HistoryMessage[][] {
  const turns: HistoryMessage[][] = [];
  let current: HistoryMessage[] = [];
  for (const message of newestFirst) {
    current.unshift(message);
    if (message.role === 'user') {
      turns.push(current);
      current = [];
    }
  }
  if (current.length > 0) turns.push(current);
  return turns;
}

/** The newest messages of one turn within `maxChars`, the oldest of them cut at its start. */
function cutToFit(turn: HistoryMessage[], maxChars: number): HistoryMessage[] {
  const kept: HistoryMessage[] = [];
  let left = maxChars;
  for (let i = turn.length - 1; i >= 0 && left > ELLIPSIS.length; i--) {
    const message = turn[i] as HistoryMessage;
    if (message.content.length <= left) {
      kept.unshift(message);
      left -= message.content.length;
      continue;
    }
    kept.unshift({ ...message, content: ELLIPSIS + message.content.slice(message.content.length - (left - ELLIPSIS.length)) });
    break;
  }
  return kept;
}
