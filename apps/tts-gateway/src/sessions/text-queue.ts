/**
 * Sentences handed from the reply stream to the synthesis pipeline as they are cut: an async
 * iterable that waits for the next push and ends on `end()`. Pushes after the end are ignored.
 */
export class TextQueue implements AsyncIterable<string> {
  private readonly items: string[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  get isEnded(): boolean {
    return this.ended;
  }

  push(text: string): void {
    if (this.ended) return;
    this.items.push(text);
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<string> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
