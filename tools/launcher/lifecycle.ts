export type StopFn = (force: boolean) => Promise<void>;

/**
 * What must be stopped when the launcher ends, registered as soon as it starts (so a Ctrl-C
 * during boot stops a half-started Postgres too). Stopped in reverse order of registration, so the
 * services go before the NATS and Postgres they use.
 */
export class Cleanup {
  private readonly entries: Array<{ name: string; stop: StopFn }> = [];

  add(name: string, stop: StopFn): void {
    this.entries.push({ name, stop });
  }

  async runAll(force: boolean, onError: (name: string, error: unknown) => void, onStopped?: (name: string) => void): Promise<void> {
    for (const { name, stop } of [...this.entries].reverse()) {
      try {
        await stop(force);
        onStopped?.(name);
      } catch (error) {
        onError(name, error);
      }
    }
  }
}

/** NATS or Postgres as the fleet will use it. */
export interface ResolvedInfra {
  url: string;
  /** For the banner: where it is and whether the launcher started it. */
  description: string;
}
