import { ErrorCode, queueGroup, sessionProtocol, type LeaseDomain, type ServiceName, type SessionProtocolContracts } from '@voxbridge/contracts';
import type { Bus } from '../bus';
import { BusError } from '../errors';
import { SessionHost, type SessionHostLogger, type SessionStopReason } from './session-host';

export interface LeasedWorkOptions<W> {
  /** The lease domain (`discord`, `plugins`): its own claim subjects and KV bucket. */
  domain: LeaseDomain;
  /** The service whose replicas share the work (their queue group answers the claims). */
  service: ServiceName;
  instanceId: string;
  leaseMs: number;
  logger: SessionHostLogger;
  /** Start the work under this lease here (this replica won it); throw a BusError to refuse. */
  start(leaseId: string, agentId: string): Promise<W>;
  stop(work: W, leaseId: string, reason: SessionStopReason): Promise<void>;
}

/**
 * Long-lived work that must run exactly once across a service's replicas (a Discord bot per token,
 * a plugin per agent and type), kept alive with the voice sessions' lease protocol (SessionHost):
 * each piece is a "session" whose id is its lease id (a UUID). Every replica claims every wanted
 * piece every third of the lease; the claim reaches one replica (queue group), which starts the
 * piece if nobody holds it, renews it if it does, or asks the holder — a holder that died is
 * replaced at once (no responders), so the work is back within about a third of the lease. On
 * close, each piece is handed to another replica before it stops here.
 */
export class LeasedWork<W> {
  private wanted = new Map<string, string>();
  private readonly owners = new Map<string, string>();
  private readonly protocol: SessionProtocolContracts;
  private timer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private claiming: Promise<void> | undefined;

  private constructor(
    private readonly bus: Bus,
    private readonly host: SessionHost<W>,
    private readonly options: LeasedWorkOptions<W>,
  ) {
    this.protocol = sessionProtocol(options.domain);
  }

  static async open<W>(bus: Bus, options: LeasedWorkOptions<W>): Promise<LeasedWork<W>> {
    const host = await SessionHost.open<W>(bus, {
      stage: options.domain,
      instanceId: options.instanceId,
      leaseMs: options.leaseMs,
      queue: queueGroup(bus.namespace, options.service),
      logger: options.logger,
      start: (claim) => options.start(claim.sessionId, claim.agentId),
      stop: (work, leaseId, reason) => options.stop(work, leaseId, reason),
    });
    const leased = new LeasedWork(bus, host, options);
    leased.timer = setInterval(() => void leased.claimAll(), Math.max(100, Math.floor(options.leaseMs / 3)));
    leased.timer.unref();
    return leased;
  }

  /** What should run somewhere (lease id → agent id): new pieces are claimed now; this replica ends the ones no longer wanted. */
  async want(leases: ReadonlyMap<string, string>): Promise<void> {
    if (this.closing) return;
    const gone = [...this.wanted.keys()].filter((id) => !leases.has(id));
    this.wanted = new Map(leases);
    for (const leaseId of gone) {
      this.owners.delete(leaseId);
      if (this.host.holds(leaseId)) await this.host.end(leaseId);
    }
    await this.claimAll();
  }

  /** Ends the piece here and frees its lease; it starts again at once if still wanted (a changed config). */
  async restart(leaseId: string): Promise<void> {
    if (this.host.holds(leaseId)) await this.host.end(leaseId);
    const agentId = this.wanted.get(leaseId);
    if (agentId) await this.claim(leaseId, agentId);
  }

  holds(leaseId: string): boolean {
    return this.host.holds(leaseId);
  }

  /** The piece's work here, when this replica runs it. */
  work(leaseId: string): W | undefined {
    return this.host.work(leaseId);
  }

  held(): string[] {
    return this.host.sessions();
  }

  /** The replica running the piece, as the last claim answered (this one included). */
  owner(leaseId: string): string | undefined {
    return this.host.holds(leaseId) ? this.options.instanceId : this.owners.get(leaseId);
  }

  /** Stop claiming, hand every piece here to another replica, then stop them here. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.timer);
      await this.claiming;
      await this.host.close();
    })();
    return this.closing;
  }

  /** One round of claims at a time; a round still running when the timer fires is not doubled. */
  private claimAll(): Promise<void> {
    if (this.closing) return Promise.resolve();
    this.claiming ??= Promise.all([...this.wanted].map(([leaseId, agentId]) => this.claim(leaseId, agentId)))
      .then(() => undefined)
      .finally(() => (this.claiming = undefined));
    return this.claiming;
  }

  private async claim(leaseId: string, agentId: string): Promise<void> {
    try {
      const reply = await this.bus.call(this.protocol.claim, { session_id: leaseId, agent_id: agentId });
      if (this.wanted.has(leaseId)) this.owners.set(leaseId, reply.owner_instance_id);
    } catch (error) {
      this.owners.delete(leaseId);
      // Refusals are expected while replicas disagree on what should run (an event not yet everywhere).
      const code = error instanceof BusError ? error.code : ErrorCode.Internal;
      this.options.logger.debug?.('leased work claim refused', { domain: this.options.domain, lease_id: leaseId, agent_id: agentId, code });
    }
  }
}
