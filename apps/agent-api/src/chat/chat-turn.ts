import type { ReplyEvent } from '@voxbridge/contracts';

/** What a text turn yields, in order: deltas, then exactly one `done` or `error`. */
export type ChatTurnEvent =
  | { kind: 'delta'; text: string }
  | { kind: 'done'; turn_id: string; text: string; provider: string | null; model: string | null; llm_ttft_ms: number | null }
  | { kind: 'error'; code: string; message: string };

/** Out-of-order events held while waiting for a missing `seq`; past this the turn fails (no unbounded memory). */
export const MAX_PENDING_REPLY_EVENTS = 4_096;

/**
 * One text turn's reply as the client sees it: ReplyEvents of this turn only, put back in `seq`
 * order (duplicates and stale ones dropped), handed out through an async iterator that ends after
 * `done` or `error`. No I/O: the service feeds it from the bus and ends it on timeout or cancel.
 */
export class ChatTurn implements AsyncIterable<ChatTurnEvent> {
  private readonly pending = new Map<number, ReplyEvent>();
  private readonly queue: ChatTurnEvent[] = [];
  private waiting?: () => void;
  private nextSeq = 0;
  private text = '';
  private provider: string | null = null;
  private model: string | null = null;
  private llmTtftMs: number | null = null;
  private ended = false;
  private readonly endListeners: Array<() => void> = [];

  constructor(readonly turnId: string) {}

  get finished(): boolean {
    return this.ended;
  }

  /** Runs once, when the turn ends for any reason (done, error, fail, abandon). */
  onEnd(listener: () => void): void {
    if (this.ended) listener();
    else this.endListeners.push(listener);
  }

  /** A ReplyEvent from the session's `reply` stream; other turns' events are ignored. */
  accept(event: ReplyEvent): void {
    if (this.ended || event.turn_id.toLowerCase() !== this.turnId || event.seq < this.nextSeq || this.pending.has(event.seq)) return;
    if (this.pending.size >= MAX_PENDING_REPLY_EVENTS) {
      this.fail('internal', `reply events of turn ${this.turnId} arrived with a gap that never closed`);
      return;
    }
    this.pending.set(event.seq, event);
    for (let next = this.pending.get(this.nextSeq); next && !this.ended; next = this.pending.get(this.nextSeq)) {
      this.pending.delete(this.nextSeq);
      this.nextSeq += 1;
      this.apply(next);
    }
  }

  /** Ends the turn with an error of agent-api's own (timeout, …). No effect once ended. */
  fail(code: string, message: string): void {
    if (this.ended) return;
    this.push({ kind: 'error', code, message });
    this.end();
  }

  /** Ends the turn without a final event (the client went away). */
  abandon(): void {
    if (!this.ended) this.end();
  }

  /** The whole answer: resolves with `done` or `error`, whichever ends the turn. */
  async whole(): Promise<Extract<ChatTurnEvent, { kind: 'done' | 'error' }>> {
    for await (const event of this) {
      if (event.kind !== 'delta') return event;
    }
    return { kind: 'error', code: 'internal', message: 'the turn ended without an answer' };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ChatTurnEvent> {
    for (;;) {
      const event = this.queue.shift();
      if (event) {
        yield event;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  private apply(event: ReplyEvent): void {
    this.provider = event.provider ?? this.provider;
    this.model = event.model ?? this.model;
    this.llmTtftMs = event.llm_ttft_ms ?? this.llmTtftMs;
    switch (event.kind) {
      case 'delta':
        if (!event.text) return;
        this.text += event.text;
        this.push({ kind: 'delta', text: event.text });
        return;
      case 'done':
        // The contract does not say whether `done.text` repeats the answer: the deltas are the truth when there are any.
        this.push({
          kind: 'done',
          turn_id: this.turnId,
          text: this.text || (event.text ?? ''),
          provider: this.provider,
          model: this.model,
          llm_ttft_ms: this.llmTtftMs,
        });
        this.end();
        return;
      case 'error':
        this.push({ kind: 'error', code: event.error_code ?? 'internal', message: event.error_message ?? 'the language model failed' });
        this.end();
        return;
    }
  }

  private push(event: ChatTurnEvent): void {
    this.queue.push(event);
    this.wake();
  }

  private end(): void {
    this.ended = true;
    this.pending.clear();
    this.wake();
    for (const listener of this.endListeners.splice(0)) listener();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }
}
