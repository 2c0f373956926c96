import { createHash } from 'node:crypto';
import { Bus, BusError, SessionHost, type SessionHostLogger, type SessionStopReason } from '@voxbridge/bus';
import { ErrorCode, PLUGINS_DOMAIN, queueGroup, sessionProtocol, type SessionProtocolContracts } from '@voxbridge/contracts';

/**
 * The lease key of one agent's plugin of one type: a UUID (what the session protocol takes),
 * the same on every replica.
 */
export function pluginLeaseId(agentId: string, pluginType: string): string {
  const hex = createHash('sha256').update(`${agentId}/${pluginType}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface PluginLeasesOptions<W> {
  instanceId: string;
  leaseMs: number;
  logger: SessionHostLogger;
  /** Start the plugin under this lease here (this replica won it); throw a BusError to refuse. */
  start(leaseId: string, agentId: string): Promise<W>;
  stop(work: W, leaseId: string, reason: SessionStopReason): Promise<void>;
}

/**
 * Each plugin runs exactly once across the replicas: the voice sessions' lease protocol (libs/bus
 * SessionHost) under the `plugins` domain, the lease key derived from agent and type. Every
 * replica claims every wanted plugin every third of the lease; the claim reaches one replica, which
 * starts the plugin if nobody holds it or asks the holder — a dead holder is replaced at once. On
 * close each plugin is handed to another replica. (discord-connector's BotLeases is the same
 * loop for bots; both want to become one helper in libs/bus.)
 */
export class PluginLeases<W> {
  private wanted = new Map<string, string>();
  private readonly owners = new Map<string, string>();
  private readonly protocol: SessionProtocolContracts = sessionProtocol(PLUGINS_DOMAIN);
  private timer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private claiming: Promise<void> | undefined;

  private constructor(
    private readonly bus: Bus,
    private readonly host: SessionHost<W>,
    private readonly options: PluginLeasesOptions<W>,
  ) {}

  static async open<W>(bus: Bus, options: PluginLeasesOptions<W>): Promise<PluginLeases<W>> {
    const host = await SessionHost.open<W>(bus, {
      stage: PLUGINS_DOMAIN,
      instanceId: options.instanceId,
      leaseMs: options.leaseMs,
      queue: queueGroup(bus.namespace, 'plugin-supervisor'),
      logger: options.logger,
      start: (claim) => options.start(claim.sessionId, claim.agentId),
      stop: (work, leaseId, reason) => options.stop(work, leaseId, reason),
    });
    const leases = new PluginLeases(bus, host, options);
    leases.timer = setInterval(() => void leases.claimAll(), Math.max(100, Math.floor(options.leaseMs / 3)));
    leases.timer.unref();
    return leases;
  }

  /** The plugins that should run somewhere (lease id → agent id): new ones are claimed now; gone ones end here. */
  async want(leases: Map<string, string>): Promise<void> {
    if (this.closing) return;
    const gone = [...this.wanted.keys()].filter((id) => !leases.has(id));
    this.wanted = new Map(leases);
    for (const leaseId of gone) {
      this.owners.delete(leaseId);
      if (this.host.holds(leaseId)) await this.host.end(leaseId);
    }
    await this.claimAll();
  }

  /** Ends the plugin here and frees its lease (it starts again on the next claim: for a changed config). */
  async restart(leaseId: string): Promise<void> {
    if (this.host.holds(leaseId)) await this.host.end(leaseId);
    const agentId = this.wanted.get(leaseId);
    if (agentId) await this.claim(leaseId, agentId);
  }

  work(leaseId: string): W | undefined {
    return this.host.work(leaseId);
  }

  held(): string[] {
    return this.host.sessions();
  }

  owner(leaseId: string): string | undefined {
    return this.host.holds(leaseId) ? this.options.instanceId : this.owners.get(leaseId);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.timer);
      await this.claiming;
      await this.host.close();
    })();
    return this.closing;
  }

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
      // Refusals are expected while replicas disagree on the plugins (an event not yet everywhere).
      const code = error instanceof BusError ? error.code : ErrorCode.Internal;
      this.options.logger.debug?.('plugin claim refused', { lease_id: leaseId, agent_id: agentId, code });
    }
  }
}
