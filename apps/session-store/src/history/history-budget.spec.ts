import type { MessageRole } from '@voxbridge/contracts';
import { selectHistory, type HistoryMessage } from './history-budget';

const m = (role: MessageRole, content: string): HistoryMessage => ({ role, content });
/** Conversation oldest first → the newest-first input selectHistory reads. */
const newestFirst = (...messages: HistoryMessage[]) => [...messages].reverse();

describe(selectHistory.name, () => {
  const conversation = newestFirst(
    m('system', 'be brief'),
    m('user', 'u1'),
    m('assistant', 'a1'),
    m('user', 'u2'),
    m('assistant', 'a2'),
    m('user', 'u3'),
    m('assistant', 'a3'),
  );

  it('returns everything oldest first when it fits', () => {
    expect(selectHistory(conversation, 10, 1_000).map((x) => x.content)).toEqual(['be brief', 'u1', 'a1', 'u2', 'a2', 'u3', 'a3']);
  });

  it('keeps only the last max_turns turns, each a user message with its answers', () => {
    expect(selectHistory(conversation, 2, 1_000)).toEqual([m('user', 'u2'), m('assistant', 'a2'), m('user', 'u3'), m('assistant', 'a3')]);
  });

  it('keeps whole newest turns within the character budget and never skips a turn', () => {
    const long = newestFirst(m('user', 'x'.repeat(50)), m('assistant', 'y'.repeat(50)), m('user', 'q'), m('assistant', 'r'.repeat(10)));
    expect(selectHistory(long, 10, 100).map((x) => x.content)).toEqual(['q', 'r'.repeat(10)]);
    expect(selectHistory(long, 10, 111).map((x) => x.content.length)).toEqual([50, 50, 1, 10]);
  });

  it('cuts the newest turn from its start when even it is over budget', () => {
    const sut = selectHistory(newestFirst(m('user', 'abcdefghij'), m('assistant', '0123456789')), 5, 14);
    expect(sut).toEqual([m('user', '…hij'), m('assistant', '0123456789')]);
    expect(sut.reduce((n, x) => n + x.content.length, 0)).toBeLessThanOrEqual(14);
  });

  it('leaves out blank messages such as an answer interrupted before a word was heard', () => {
    expect(selectHistory(newestFirst(m('user', 'hi'), m('assistant', '  ')), 5, 1_000)).toEqual([m('user', 'hi')]);
  });

  it('returns nothing for an empty conversation', () => {
    expect(selectHistory([], 5, 1_000)).toEqual([]);
  });
});
