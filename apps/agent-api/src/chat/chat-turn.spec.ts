import type { ReplyEvent } from '@voxbridge/contracts';
import { randomUUID } from 'node:crypto';
import { ChatTurn, type ChatTurnEvent } from './chat-turn';

const sessionId = randomUUID();

function reply(turnId: string, seq: number, kind: ReplyEvent['kind'], extra: Partial<ReplyEvent> = {}): ReplyEvent {
  return { session_id: sessionId, turn_id: turnId, seq, kind, ...extra };
}

async function collect(turn: ChatTurn): Promise<ChatTurnEvent[]> {
  const events: ChatTurnEvent[] = [];
  for await (const event of turn) events.push(event);
  return events;
}

describe(ChatTurn.name, () => {
  it('hands out its own turn’s deltas in seq order, then done with the whole text and the first delta’s provider data', async () => {
    const turnId = randomUUID();
    const sut = new ChatTurn(turnId);
    const events = collect(sut);
    sut.accept(reply(turnId, 1, 'delta', { text: ' world' }));
    sut.accept(reply(randomUUID(), 0, 'done'));
    sut.accept(reply(turnId, 0, 'delta', { text: 'Hello', provider: 'openrouter', model: 'm', llm_ttft_ms: 12 }));
    sut.accept(reply(turnId, 0, 'delta', { text: 'Hello' }));
    sut.accept(reply(turnId, 2, 'done'));
    expect(await events).toEqual([
      { kind: 'delta', text: 'Hello' },
      { kind: 'delta', text: ' world' },
      { kind: 'done', turn_id: turnId, text: 'Hello world', provider: 'openrouter', model: 'm', llm_ttft_ms: 12 },
    ]);
    expect(sut.finished).toBe(true);
  });

  it('ends with the error event’s code and message, and ignores anything after it', async () => {
    const turnId = randomUUID();
    const sut = new ChatTurn(turnId);
    sut.accept(reply(turnId, 0, 'error', { error_code: 'rate_limited', error_message: 'provider busy' }));
    sut.accept(reply(turnId, 1, 'delta', { text: 'late' }));
    expect(await sut.whole()).toEqual({ kind: 'error', code: 'rate_limited', message: 'provider busy' });
  });

  it('ends on fail() or abandon() and tells its end listeners once', async () => {
    const failed = new ChatTurn(randomUUID());
    let ends = 0;
    failed.onEnd(() => (ends += 1));
    failed.fail('timeout', 'too slow');
    failed.fail('timeout', 'again');
    expect(await collect(failed)).toEqual([{ kind: 'error', code: 'timeout', message: 'too slow' }]);
    expect(ends).toBe(1);

    const abandoned = new ChatTurn(randomUUID());
    abandoned.abandon();
    expect(await collect(abandoned)).toEqual([]);
  });
});
