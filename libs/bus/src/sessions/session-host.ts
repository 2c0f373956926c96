import {
  assertUuid,
  ErrorCode,
  isUuid,
  sessionProtocol,
  streamName,
  type LeaseDomain,
  type SessionClaimReply,
  type SessionClaimRequest,
  type SessionProtocolContracts,
  type SessionReleaseReply,
} from '@voxbridge/contracts';
import { NatsError, StorageType, type KV } from 'nats';
import type { Bus, BusSubscription } from '../bus';
import { BusError, BusNoRespondersError } from '../errors';
import { errorFields, type BusLogger } from '../logger';

/** The JetStream KV bucket holding a lease domain's leases (key: the session id, value: the holder). */
export function leaseBucketName(namespace: string, domain: LeaseDomain): string {
  return streamName(namespace, `leases-${domain}`);
}

/** Why a replica stopped working on a session. */
export type SessionStopReason = 'released' | 'ended' | 'lapsed' | 'taken_over' | 'handed_over' | 'shutdown';

export interface SessionClaim {
  sessionId: string;
  agentId: string;
}

export interface SessionHostLogger extends BusLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
}

export interface SessionHostOptions<W> {
  stage: LeaseDomain;
  /** This replica (a UUID): other replicas and gateways address it by this id. */
  instanceId: string;
  /** A session is let go this long after the gateway's last claim; also the lease's TTL. */
  leaseMs: number;
  /** The stage's queue group: claims go to one replica of it. */
  queue: string;
  /** Starts this replica's work on a session (subscriptions included); throw a BusError to refuse with its code. */
  start(claim: SessionClaim): Promise<W>;
  /** Stops the work: after it resolves nothing of the session runs here. */
  stop(work: W, sessionId: string, reason: SessionStopReason): Promise<void>;
  /** The gateway's heartbeat reached the holder (the agent may have changed). */
  renewed?(work: W, claim: SessionClaim): void;
  logger: SessionHostLogger;
}

interface Held<W> {
  agentId: string;
  lastClaimMs: number;
  /** The lease's KV revision this replica wrote last: a renewal that finds another means it was taken over. */
  revision: number;
  work: W | undefined;
}

type HolderAnswer = 'holds' | 'gone' | 'unsure';

/**
 * The worker side of the voice session protocol (contracts `sessionProtocol`), written once for
 * every pipeline stage: a claim takes a free session, renews a held one, or asks the holder
 * directly whether it still holds it — a holder that is gone (no responders: its process died) or
 * says no is taken over at once, so failover costs a round trip, not a lease. Leases live in a
 * JetStream KV bucket per stage and are renewed with compare-and-set, so a replica that was taken
 * over finds out and stops. On close, each session is handed to another replica before this one
 * stops working on it: an overlap, never a gap.
 */
export class SessionHost<W> {
  private readonly held = new Map<string, Held<W>>();
  private readonly claiming = new Map<string, Promise<SessionClaimReply>>();
  private readonly protocol: SessionProtocolContracts;
  private readonly background = new Set<Promise<void>>();
  private claims: BusSubscription | undefined;
  private others: BusSubscription[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopWatchingConnection: (() => void) | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly bus: Bus,
    private readonly kv: KV,
    private readonly options: SessionHostOptions<W>,
  ) {
    this.protocol = sessionProtocol(options.stage);
  }

  /** Opens the lease bucket and starts answering; the subscriptions are on the server when it resolves. */
  static async open<W>(bus: Bus, options: SessionHostOptions<W>): Promise<SessionHost<W>> {
    assertUuid(options.instanceId, 'instance id');
    const kv = await bus.connection.jetstream().views.kv(leaseBucketName(bus.namespace, options.stage), {
      ttl: options.leaseMs,
      history: 1,
      storage: StorageType.File,
    });
    const host = new SessionHost(bus, kv, options);
    host.listen();
    await bus.connection.flush();
    return host;
  }

  get leaseMs(): number {
    return this.options.leaseMs;
  }

  holds(sessionId: string): boolean {
    return this.held.has(sessionId);
  }

  sessions(): string[] {
    return [...this.held.keys()];
  }

  /** The work of a session held here (undefined while it starts). */
  work(sessionId: string): W | undefined {
    return this.held.get(sessionId)?.work;
  }

  /** The worker ends the session itself (the conversation's `end`): stop it and free the lease. */
  end(sessionId: string): Promise<void> {
    return this.track(this.release(sessionId, 'ended').then(() => undefined));
  }

  /** Shutdown: stop taking claims, hand every session to another replica, then stop. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  // ---- claims --------------------------------------------------------------------------------------

  private listen(): void {
    const { instanceId } = this.options;
    this.claims = this.bus.serve(this.protocol.claim, (req) => this.claim(req), { queue: this.options.queue });
    this.others = [
      // Every replica hears a release; only the holder acts.
      this.bus.serve(this.protocol.release, (req) => this.release(req.session_id, 'released')),
      this.bus.serve(this.protocol.renew(instanceId), (req) => ({ session_id: req.session_id, held: this.renewHeld(req.session_id) })),
      this.bus.serve(this.protocol.ping(instanceId), () => ({ instance_id: instanceId, sessions: this.held.size })),
    ];
    this.timer = setInterval(() => this.track(this.renewAll()), Math.max(100, Math.floor(this.options.leaseMs / 3)));
    this.timer.unref();
    // Back from a NATS outage: another replica may have taken a session while this one could not
    // answer for it. Check every lease at once, not at the next tick, so the two never both work on it.
    this.stopWatchingConnection = this.bus.onConnectionChange((connected) => {
      if (connected && !this.closing) this.track(this.renewAll());
    });
  }

  private claim(req: SessionClaimRequest): Promise<SessionClaimReply> {
    if (this.closing) throw new BusError(ErrorCode.Unavailable, `this ${this.options.stage} replica is stopping`);
    const pending = this.claiming.get(req.session_id);
    if (pending) return pending;
    const work = this.claimOnce({ sessionId: req.session_id, agentId: req.agent_id }).finally(() => this.claiming.delete(req.session_id));
    this.claiming.set(req.session_id, work);
    return work;
  }

  private async claimOnce(claim: SessionClaim): Promise<SessionClaimReply> {
    const { sessionId } = claim;
    const mine = this.held.get(sessionId);
    if (mine) {
      mine.lastClaimMs = Date.now();
      mine.agentId = claim.agentId;
      if (mine.work !== undefined) this.options.renewed?.(mine.work, claim);
      return this.reply(sessionId, this.options.instanceId, false);
    }
    const lease = await this.acquire(sessionId);
    if (lease.kind === 'held_by') return this.reply(sessionId, lease.owner, false);
    return this.startWork(claim, lease.revision, lease.tookOverFrom);
  }

  /** The lease: created when free, taken over (compare-and-set) when its holder is gone. */
  private async acquire(sessionId: string): Promise<{ kind: 'mine'; revision: number; tookOverFrom?: string } | { kind: 'held_by'; owner: string }> {
    const me = this.options.instanceId;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return { kind: 'mine', revision: await this.leases(() => this.kv.create(sessionId, me)) };
      } catch (error) {
        if (!isWrongSequence(error)) throw error;
      }
      const entry = await this.leases(() => this.kv.get(sessionId));
      if (!entry || entry.operation !== 'PUT') continue; // released meanwhile: try to create again
      const owner = entry.string();
      if (owner === me) return { kind: 'mine', revision: entry.revision };
      if ((await this.askHolder(owner, sessionId)) !== 'gone') return { kind: 'held_by', owner };
      try {
        const revision = await this.leases(() => this.kv.update(sessionId, me, entry.revision));
        this.options.logger.info('session taken over: its holder is gone', { stage: this.options.stage, session_id: sessionId, from_instance_id: owner });
        return { kind: 'mine', revision, tookOverFrom: isUuid(owner) ? owner : undefined };
      } catch (error) {
        if (!isWrongSequence(error)) throw error;
        // Another replica took it over first: ask again who holds it now.
      }
    }
    const entry = await this.leases(() => this.kv.get(sessionId));
    return { kind: 'held_by', owner: entry?.operation === 'PUT' ? entry.string() : '' };
  }

  /** Asks the holder itself: a dead process has no subscription left, so NATS says no responders at once. */
  private async askHolder(owner: string, sessionId: string): Promise<HolderAnswer> {
    if (!isUuid(owner)) return 'gone';
    try {
      const reply = await this.bus.call(this.protocol.renew(owner), { session_id: sessionId });
      return reply.held ? 'holds' : 'gone';
    } catch (error) {
      if (error instanceof BusNoRespondersError) return 'gone';
      // Alive but slow, or unreachable for another reason: never take a session from a live holder.
      return 'unsure';
    }
  }

  private async startWork(claim: SessionClaim, revision: number, tookOverFrom: string | undefined): Promise<SessionClaimReply> {
    const { sessionId } = claim;
    const entry: Held<W> = { agentId: claim.agentId, lastClaimMs: Date.now(), revision, work: undefined };
    this.held.set(sessionId, entry);
    let work: W;
    try {
      work = await this.options.start(claim);
      // Answer once the server has the work's subscriptions: what the gateway sends next counts.
      await this.bus.connection.flush();
    } catch (error) {
      this.held.delete(sessionId);
      await this.freeLease(sessionId);
      throw error;
    }
    if (this.held.get(sessionId) !== entry) {
      // Released (or the replica began to close) while it started.
      await this.options.stop(work, sessionId, 'released');
      return this.reply(sessionId, this.options.instanceId, false);
    }
    entry.work = work;
    this.options.logger.info('session taken', { stage: this.options.stage, session_id: sessionId, agent_id: claim.agentId, took_over_from: tookOverFrom });
    return this.reply(sessionId, this.options.instanceId, true, tookOverFrom);
  }

  private reply(sessionId: string, owner: string, taken: boolean, tookOverFrom?: string): SessionClaimReply {
    return { session_id: sessionId, owner_instance_id: owner, lease_ms: this.options.leaseMs, taken, ...(tookOverFrom ? { took_over_from: tookOverFrom } : {}) };
  }

  /** Another replica passes a gateway's claim on: true (and renewed) when this replica holds the session. */
  private renewHeld(sessionId: string): boolean {
    const entry = this.held.get(sessionId);
    if (!entry || this.closing) return false;
    entry.lastClaimMs = Date.now();
    return true;
  }

  // ---- release, renewal, close -------------------------------------------------------------------

  private async release(sessionId: string, reason: SessionStopReason): Promise<SessionReleaseReply> {
    const entry = this.held.get(sessionId);
    if (!entry) return { session_id: sessionId, released: false };
    this.held.delete(sessionId);
    if (entry.work !== undefined) await this.stopWork(entry.work, sessionId, reason);
    if (reason !== 'taken_over') await this.freeLease(sessionId);
    return { session_id: sessionId, released: true };
  }

  private async renewAll(): Promise<void> {
    const now = Date.now();
    await Promise.all(
      [...this.held].map(async ([sessionId, entry]) => {
        if (entry.work === undefined) return;
        if (now - entry.lastClaimMs > this.options.leaseMs) {
          this.options.logger.info('session let go: no claim within the lease', { stage: this.options.stage, session_id: sessionId });
          await this.release(sessionId, 'lapsed');
          return;
        }
        try {
          entry.revision = await this.kv.update(sessionId, this.options.instanceId, entry.revision);
        } catch (error) {
          if (!isWrongSequence(error)) {
            this.options.logger.warn('session lease renewal failed', { stage: this.options.stage, session_id: sessionId, ...errorFields(error) });
            return;
          }
          // The revision moved. A renewal that timed out (NATS blipped) may have been stored after
          // all: then the lease is still this replica's, at a newer revision.
          const current = await this.kv.get(sessionId).catch(() => null);
          if (current?.operation === 'PUT' && current.string() === this.options.instanceId) {
            entry.revision = current.revision;
            return;
          }
          // Another replica holds the lease now (this one was thought dead): stop, leave its lease alone.
          this.options.logger.warn('session lease taken by another replica; stopping here', { stage: this.options.stage, session_id: sessionId });
          await this.release(sessionId, 'taken_over');
        }
      }),
    );
  }

  private async closeOnce(): Promise<void> {
    clearInterval(this.timer);
    this.stopWatchingConnection?.();
    // No more claims reach this replica: the hand-over claims below go to the others.
    this.claims?.unsubscribe();
    await this.bus.connection.flush().catch((error: unknown) => this.options.logger.warn('session host flush failed', errorFields(error)));
    await Promise.all([...this.claiming.values()].map((pending) => pending.catch(() => undefined)));
    await Promise.all([...this.held].map(([sessionId, entry]) => this.handOver(sessionId, entry)));
    await Promise.all([...this.background]);
    this.others.forEach((subscription) => subscription.unsubscribe());
    this.others = [];
  }

  /** Frees the lease and has another replica claim the session, then stops here: overlap, not a gap. */
  private async handOver(sessionId: string, entry: Held<W>): Promise<void> {
    this.held.delete(sessionId);
    await this.freeLease(sessionId);
    try {
      const reply = await this.bus.call(this.protocol.claim, { session_id: sessionId, agent_id: entry.agentId });
      this.options.logger.info('session handed over', { stage: this.options.stage, session_id: sessionId, to_instance_id: reply.owner_instance_id });
    } catch (error) {
      // No other replica (or it refused): the gateway's next claim finds the session free.
      this.options.logger.warn('session not handed over', { stage: this.options.stage, session_id: sessionId, ...errorFields(error) });
    }
    if (entry.work !== undefined) await this.stopWork(entry.work, sessionId, 'handed_over');
  }

  private async stopWork(work: W, sessionId: string, reason: SessionStopReason): Promise<void> {
    try {
      await this.options.stop(work, sessionId, reason);
      this.options.logger.info('session stopped', { stage: this.options.stage, session_id: sessionId, reason });
    } catch (error) {
      this.options.logger.error('session stop failed', { stage: this.options.stage, session_id: sessionId, reason, ...errorFields(error) });
    }
  }

  private async freeLease(sessionId: string): Promise<void> {
    await this.kv.delete(sessionId).catch((error: unknown) =>
      this.options.logger.warn('session lease not freed; it lapses', { stage: this.options.stage, session_id: sessionId, ...errorFields(error) }),
    );
  }

  /** A lease store failure is the stage's refusal: `unavailable`, naming the store. */
  private async leases<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isWrongSequence(error)) throw error;
      throw new BusError(ErrorCode.Unavailable, `${this.options.stage} session lease store unavailable`, { cause: error });
    }
  }

  private track(work: Promise<void>): Promise<void> {
    const tracked = work
      .catch((error: unknown) => this.options.logger.error('session host background work failed', { stage: this.options.stage, ...errorFields(error) }))
      .finally(() => this.background.delete(tracked));
    this.background.add(tracked);
    return tracked;
  }
}

/** JetStream refused a create/update because the key's revision moved: someone else wrote it. */
function isWrongSequence(error: unknown): boolean {
  return error instanceof NatsError && (error.api_error?.err_code === WRONG_LAST_SEQUENCE || /wrong last sequence/i.test(error.message));
}

/** JetStream's API error code for a failed expected-last-sequence check. */
const WRONG_LAST_SEQUENCE = 10071;


