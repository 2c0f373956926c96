import { callFailureFields, type Bus, type BusSubscription } from '@voxbridge/bus';
import { AgentEvent, AgentSubjects } from '@voxbridge/contracts';
import type { AppLogger } from '../logging/app-logger';

/** Until the first list arrives (agent-api may start after the service), ask again this often. */
export const FIRST_SYNC_RETRY_MS = 2_000;

export interface AgentFollowerOptions {
  /** An agent was created or updated: read it again from agent-api and apply it. */
  refresh: (agentId: string) => Promise<void>;
  /** An agent was deleted: drop what the service keeps for it. */
  forget: (agentId: string) => Promise<void>;
  /** The whole list again from agent-api, applied: what appeared, changed or went while no event reached us. */
  syncAll: () => Promise<void>;
  /** Between full lists once one has arrived. */
  resyncMs: number;
  /** Between tries until the first full list arrives. */
  firstSyncRetryMs?: number;
  logger: Pick<AppLogger, 'warn'>;
  /** The service's (static) log messages. */
  messages: {
    /** A refresh or a forget failed. */
    changeFailed: string;
    /** A full list failed. */
    syncFailed: string;
  };
}

/**
 * Keeps a service in step with agent-api's agents: each agent event (created, updated, deleted)
 * and a full list at start and then on a timer. Every change, the lists included, is applied one
 * at a time in arrival order, so a slow list never overtakes (or is overtaken by) an event.
 */
export class AgentFollower {
  private subscriptions: BusSubscription[] = [];
  private timer: NodeJS.Timeout | undefined;
  private syncedOnce = false;
  private stopping = false;
  private changes: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: Bus,
    private readonly options: AgentFollowerOptions,
  ) {}

  /** A full list has succeeded at least once (until then an unknown agent may just not be known yet). */
  get synced(): boolean {
    return this.syncedOnce;
  }

  /** Follows the events (live once this resolves, so none is missed while the first list is read), then lists at once. */
  async start(): Promise<void> {
    const { refresh, forget } = this.options;
    this.subscriptions = [
      this.bus.subscribeJson(AgentSubjects.created, AgentEvent, (event) => this.enqueue(() => refresh(event.id))),
      this.bus.subscribeJson(AgentSubjects.updated, AgentEvent, (event) => this.enqueue(() => refresh(event.id))),
      this.bus.subscribeJson(AgentSubjects.deleted, AgentEvent, (event) => this.enqueue(() => forget(event.id))),
    ];
    await this.bus.connection.flush();
    this.scheduleSync(0);
  }

  /** No more events or lists; resolves once the change under way (and those queued) are applied. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions = [];
    await this.changes;
  }

  private enqueue(change: () => Promise<void>): void {
    // An event already taken off its subscription when stop began is dropped too: stop awaits only what was queued.
    if (this.stopping) return;
    this.changes = this.changes.then(change).catch((error: unknown) => this.options.logger.warn(this.options.messages.changeFailed, callFailureFields('agent-api', error)));
  }

  private scheduleSync(delayMs: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => this.enqueue(() => this.sync()), delayMs);
    this.timer.unref();
  }

  private async sync(): Promise<void> {
    try {
      await this.options.syncAll();
      this.syncedOnce = true;
    } catch (error) {
      this.options.logger.warn(this.options.messages.syncFailed, callFailureFields('agent-api', error));
    } finally {
      this.scheduleSync(this.syncedOnce ? this.options.resyncMs : (this.options.firstSyncRetryMs ?? FIRST_SYNC_RETRY_MS));
    }
  }
}
