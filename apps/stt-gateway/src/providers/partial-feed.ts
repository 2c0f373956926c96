import type { PartialTranscript } from './stt-provider';

/**
 * Fan-out of partial transcripts to listeners and async iterators. Iterators that fall behind keep
 * only the latest partials (each one is cumulative, so older ones are stale anyway).
 */
export class PartialFeed implements AsyncIterable<PartialTranscript> {
  private static readonly MAX_QUEUED = 8;
  private readonly listeners = new Set<(partial: PartialTranscript) => void>();
  private readonly iterators = new Set<{ queue: PartialTranscript[]; wake?: () => void }>();
  private ended = false;

  push(partial: PartialTranscript): void {
    if (this.ended) return;
    for (const listener of this.listeners) listener(partial);
    for (const iterator of this.iterators) {
      iterator.queue.push(partial);
      if (iterator.queue.length > PartialFeed.MAX_QUEUED) iterator.queue.shift();
      iterator.wake?.();
    }
  }

  subscribe(listener: (partial: PartialTranscript) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** No more partials: iterators finish once drained. */
  end(): void {
    this.ended = true;
    this.listeners.clear();
    for (const iterator of this.iterators) iterator.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<PartialTranscript> {
    const state: { queue: PartialTranscript[]; wake?: () => void } = { queue: [] };
    this.iterators.add(state);
    try {
      for (;;) {
        const next = state.queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (this.ended) return;
        await new Promise<void>((resolve) => (state.wake = resolve));
        state.wake = undefined;
      }
    } finally {
      this.iterators.delete(state);
    }
  }
}
