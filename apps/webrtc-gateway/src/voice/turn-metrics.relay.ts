import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Bus, type BusSubscription } from '@voxbridge/bus';
import { SessionSubjects, TurnCommittedEvent } from '@voxbridge/contracts';

export type TurnCommittedListener = (event: TurnCommittedEvent) => void;

/**
 * Committed turns (with their latencies) for the sockets of this replica: ONE subscription to
 * `sessions.v1.evt.turn.committed` per replica, no queue group, dispatched by session id. The
 * subject is durable on JetStream; a plain subscription sees it live, which is all a socket needs.
 */
@Injectable()
export class TurnMetricsRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly listeners = new Map<string, Set<TurnCommittedListener>>();
  private subscription?: BusSubscription;

  constructor(private readonly bus: Bus) {}

  onApplicationBootstrap(): void {
    this.subscription = this.bus.subscribeJson(SessionSubjects.turnCommitted, TurnCommittedEvent, (event) => {
      for (const listener of this.listeners.get(event.session_id.toLowerCase()) ?? []) listener(event);
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    subscription?.unsubscribe();
    await subscription?.closed;
  }

  /** Calls `listener` with the session's committed turns until the returned function is called. */
  listen(sessionId: string, listener: TurnCommittedListener): () => void {
    const key = sessionId.toLowerCase();
    const set = this.listeners.get(key) ?? new Set<TurnCommittedListener>();
    set.add(listener);
    this.listeners.set(key, set);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(key) === set) this.listeners.delete(key);
    };
  }

  /** Sessions with a listener (for tests and shutdown checks). */
  get sessionCount(): number {
    return this.listeners.size;
  }
}
