import { AgentContracts, AgentEvent, AgentSubjects, type AgentReply } from '@voxbridge/contracts';
import type { Bus, BusSubscription } from './bus';

export interface AgentCacheOptions {
  /** An agent fetched longer ago than this is fetched again (bounds staleness when an event was missed). */
  maxAgeMs: number;
  /** Clock, for tests. */
  now?: () => number;
}

export const AGENT_CACHE_DEFAULTS: AgentCacheOptions = { maxAgeMs: 30_000 };

interface Entry {
  agent: Promise<AgentReply>;
  fetchedAtMs: number;
}

/**
 * Agents as agent-api answers `AgentContracts.get`, kept per id so that a turn does not wait for a
 * round trip to agent-api (and for agent-api's queue, under load). An entry is dropped when agent-api
 * announces the agent updated or deleted, when the bus reconnects (events may have been missed
 * meanwhile), when it is older than `maxAgeMs`, and when the look-up failed — failures are never
 * kept. Concurrent look-ups of one agent share one request. `start()` before use, `stop()` after.
 */
export class AgentCache {
  private readonly entries = new Map<string, Entry>();
  private subscriptions: BusSubscription[] = [];
  private offConnection: (() => void) | undefined;
  private readonly now: () => number;

  constructor(
    private readonly bus: Bus,
    private readonly options: AgentCacheOptions = AGENT_CACHE_DEFAULTS,
  ) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    const forget = (event: AgentEvent): void => void this.entries.delete(event.id);
    this.subscriptions = [this.bus.subscribeJson(AgentSubjects.updated, AgentEvent, forget), this.bus.subscribeJson(AgentSubjects.deleted, AgentEvent, forget)];
    this.offConnection = this.bus.onConnectionChange((connected) => {
      if (connected) this.entries.clear();
    });
  }

  stop(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions = [];
    this.offConnection?.();
    this.entries.clear();
  }

  /** The agent; rejects as `Bus.call` does (not found is a BusRemoteError with `not_found`). */
  get(id: string): Promise<AgentReply> {
    const nowMs = this.now();
    const entry = this.entries.get(id);
    if (entry && nowMs - entry.fetchedAtMs < this.options.maxAgeMs) return entry.agent;
    const agent = this.bus.call(AgentContracts.get, { id });
    const fresh: Entry = { agent, fetchedAtMs: nowMs };
    this.entries.set(id, fresh);
    agent.catch(() => {
      if (this.entries.get(id) === fresh) this.entries.delete(id);
    });
    return agent;
  }

  /** Agents held (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }
}
