import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Bus, type BusSubscription } from '@voxbridge/bus';
import { SessionSubjects, TurnRecordedEvent } from '@voxbridge/contracts';

export type TurnRecordedListener = (event: TurnRecordedEvent) => void;

/**
 * Turns as stored (with their latencies and timeline) for the sockets of this replica: ONE
 * subscription to session-store's live `sessions.v1.evt.turn.recorded` per replica, no queue
 * group, dispatched by session id.
 */
@Injectable()
export class TurnMetricsRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly listeners = new Map<string, Set<TurnRecordedListener>>();
  private subscription?: BusSubscription;

  constructor(private readonly bus: Bus) {}

  onApplicationBootstrap(): void {
    this.subscription = this.bus.subscribeJson(SessionSubjects.turnRecorded, TurnRecordedEvent, (event) => {
      for (const listener of this.listeners.get(event.session_id.toLowerCase()) ?? []) listener(event);
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    subscription?.unsubscribe();
    await subscription?.closed;
  }

  /** Calls `listener` with the session's stored turns until the returned function is called. */
  listen(sessionId: string, listener: TurnRecordedListener): () => void {
    const key = sessionId.toLowerCase();
    const set = this.listeners.get(key) ?? new Set<TurnRecordedListener>();
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
