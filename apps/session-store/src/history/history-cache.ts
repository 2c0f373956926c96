export interface HistoryCacheOptions {
  ttlMs: number;
  /** Sessions kept at most; the least recently filled goes first. */
  maxSessions: number;
  now?: () => number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
}

interface Fill {
  stale: boolean;
}

/**
 * A short-lived cache of histories per session, dropped whenever the session's conversation
 * changes. A load that was running while the session changed is not stored, so a write is never
 * hidden behind an older read.
 */
export class HistoryCache<V> {
  private readonly sessions = new Map<string, Map<string, Entry<V>>>();
  private readonly fills = new Map<string, Set<Fill>>();
  private readonly now: () => number;

  constructor(private readonly options: HistoryCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.sessions.size;
  }

  async getOrLoad(sessionId: string, key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.sessions.get(sessionId)?.get(key);
    if (hit && hit.expiresAt > this.now()) return hit.value;
    const fill: Fill = { stale: false };
    const fills = this.fills.get(sessionId) ?? new Set<Fill>();
    fills.add(fill);
    this.fills.set(sessionId, fills);
    try {
      const value = await load();
      if (!fill.stale) this.store(sessionId, key, value);
      return value;
    } finally {
      fills.delete(fill);
      if (fills.size === 0) this.fills.delete(sessionId);
    }
  }

  invalidate(sessionId: string): void {
    this.sessions.delete(sessionId);
    for (const fill of this.fills.get(sessionId) ?? []) fill.stale = true;
  }

  private store(sessionId: string, key: string, value: V): void {
    if (this.options.ttlMs <= 0 || this.options.maxSessions <= 0) return;
    const entries = this.sessions.get(sessionId) ?? new Map<string, Entry<V>>();
    // Re-inserting moves the session to the back: Map order is the eviction order.
    this.sessions.delete(sessionId);
    entries.set(key, { value, expiresAt: this.now() + this.options.ttlMs });
    this.sessions.set(sessionId, entries);
    while (this.sessions.size > this.options.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
  }
}
