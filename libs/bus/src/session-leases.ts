import { assertUuid, controlSubject, streamName, type Subject } from '@voxbridge/contracts';
import { IsUUID } from 'class-validator';
import { NatsError, StorageType, type KV } from 'nats';
import type { Bus, BusSubscription } from './bus';

/** A claim that reached a replica other than the owner: the owner still learns the gateway is there. */
class LeaseHeartbeat {
  @IsUUID() session_id!: string;
}

export interface SessionLeasesOptions {
  /** Which pipeline service the leases are for (`stt`, `tts`, `llm`): one KV bucket each. */
  kind: string;
  /** This replica. */
  instanceId: string;
  /** A lease lapses this long after its last renewal (the bucket's TTL). */
  leaseMs: number;
  /** Told when this replica lets a session go because nobody claimed it for `leaseMs`. */
  onLapsed?: (sessionId: string) => void;
  /** Told when a renewal or release could not reach the bucket (the lease may lapse). */
  onError?: (error: unknown, sessionId: string) => void;
}

export interface ClaimResult {
  ownerInstanceId: string;
  /** This call made this replica the owner. */
  taken: boolean;
}

/**
 * Who works on which voice session, across the replicas of one pipeline service (ARCHITECTURE §3):
 * a JetStream KV bucket whose TTL is the lease. Claiming creates the key (only one replica can);
 * the owner renews it while the gateway keeps claiming (its heartbeat); if the owner dies, the key
 * expires and the next claim is taken by whichever replica answers.
 */
export class SessionLeases {
  private readonly owned = new Map<string, { lastClaimMs: number }>();
  private readonly timer: NodeJS.Timeout;
  private readonly heartbeats: BusSubscription;
  private readonly heartbeatSubject: Subject;

  private constructor(
    private readonly bus: Bus,
    private readonly kv: KV,
    private readonly options: SessionLeasesOptions,
  ) {
    this.timer = setInterval(() => void this.renewAll(), Math.max(100, Math.floor(options.leaseMs / 3)));
    this.timer.unref();
    // Claims go to a random replica of the queue group; whichever gets one passes it on to the owner.
    this.heartbeatSubject = controlSubject(options.kind, 'session', 'heartbeat');
    this.heartbeats = bus.subscribeJson(this.heartbeatSubject, LeaseHeartbeat, ({ session_id }) => {
      const lease = this.owned.get(session_id);
      if (lease) lease.lastClaimMs = Date.now();
    });
  }

  static async open(bus: Bus, options: SessionLeasesOptions): Promise<SessionLeases> {
    const js = bus.connection.jetstream();
    const kv = await js.views.kv(streamName(bus.namespace, `leases-${options.kind}`), {
      ttl: options.leaseMs,
      history: 1,
      storage: StorageType.File,
    });
    return new SessionLeases(bus, kv, options);
  }

  /** Sessions this replica holds. */
  sessions(): string[] {
    return [...this.owned.keys()];
  }

  holds(sessionId: string): boolean {
    return this.owned.has(sessionId);
  }

  /** Takes the session if nobody holds it; renews it if this replica does; else names the owner. */
  async claim(sessionId: string): Promise<ClaimResult> {
    const key = assertUuid(sessionId, 'session id');
    const mine = this.owned.get(key);
    if (mine) {
      mine.lastClaimMs = Date.now();
      await this.kv.put(key, this.options.instanceId);
      return { ownerInstanceId: this.options.instanceId, taken: false };
    }
    try {
      await this.kv.create(key, this.options.instanceId);
      this.owned.set(key, { lastClaimMs: Date.now() });
      return { ownerInstanceId: this.options.instanceId, taken: true };
    } catch (error) {
      if (!(error instanceof NatsError)) throw error;
      const entry = await this.kv.get(key);
      const owner = entry && entry.operation === 'PUT' ? entry.string() : '';
      if (owner === this.options.instanceId) {
        // A restart of this process with the same id, or a lost local record: take it back.
        this.owned.set(key, { lastClaimMs: Date.now() });
        return { ownerInstanceId: owner, taken: true };
      }
      if (!owner) return this.claim(key);
      this.bus.publishJson(this.heartbeatSubject, { session_id: key });
      return { ownerInstanceId: owner, taken: false };
    }
  }

  /** Lets the session go (end of session, or this replica stopping). */
  async release(sessionId: string): Promise<void> {
    if (!this.owned.delete(sessionId)) return;
    await this.kv.delete(sessionId);
  }

  /** Releases every session this replica holds, so others can take them at once. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.heartbeats.unsubscribe();
    await Promise.all(this.sessions().map((id) => this.release(id)));
  }

  private async renewAll(): Promise<void> {
    const now = Date.now();
    for (const [sessionId, lease] of this.owned) {
      if (now - lease.lastClaimMs > this.options.leaseMs) {
        // No heartbeat from the gateway for a whole lease: the session is gone.
        await this.release(sessionId).catch((error: unknown) => this.options.onError?.(error, sessionId));
        this.options.onLapsed?.(sessionId);
      } else {
        await this.kv.put(sessionId, this.options.instanceId).catch((error: unknown) => this.options.onError?.(error, sessionId));
      }
    }
  }
}
