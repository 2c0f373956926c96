import { Bus, BusError, SessionHost, type SessionHostLogger, type SessionStopReason } from '@voxbridge/bus';
import { DISCORD_DOMAIN, ErrorCode, queueGroup, sessionProtocol, type PipelineStage, type SessionProtocolContracts } from '@voxbridge/contracts';

/**
 * The voice sessions' lease protocol (libs/bus SessionHost), reused for bots: a bot is a "session"
 * whose id is its agent's id, claimed under discord-connector's own domain and KV bucket
 * (`discord.v1.session.claim`, `leases-discord`). SessionHost types its stage as a pipeline stage
 * only; the protocol itself takes any domain. One cast here until libs/bus widens that type.
 */
const BOT_LEASE_STAGE = DISCORD_DOMAIN as unknown as PipelineStage;

export interface BotLeasesOptions<W> {
  instanceId: string;
  leaseMs: number;
  logger: SessionHostLogger;
  /** Start the bot of this agent here (this replica won its lease); throw a BusError to refuse. */
  start(agentId: string): Promise<W>;
  stop(work: W, agentId: string, reason: SessionStopReason): Promise<void>;
}

/**
 * Exactly one live bot per agent across the replicas. Every replica claims every bot it knows
 * every third of the lease: the claim reaches one replica (queue group), which starts the bot if
 * nobody holds it, renews it if it does, or asks the holder — a holder that died is replaced at
 * once (no responders), so a bot is back within about a third of the lease. On close, each bot is
 * handed to another replica before it stops here.
 */
export class BotLeases<W> {
  private wanted = new Set<string>();
  private readonly owners = new Map<string, string>();
  private readonly protocol: SessionProtocolContracts = sessionProtocol(BOT_LEASE_STAGE);
  private timer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private claiming: Promise<void> | undefined;

  private constructor(
    private readonly bus: Bus,
    private readonly host: SessionHost<W>,
    private readonly options: BotLeasesOptions<W>,
  ) {}

  static async open<W>(bus: Bus, options: BotLeasesOptions<W>): Promise<BotLeases<W>> {
    const host = await SessionHost.open<W>(bus, {
      stage: BOT_LEASE_STAGE,
      instanceId: options.instanceId,
      leaseMs: options.leaseMs,
      queue: queueGroup(bus.namespace, 'discord-connector'),
      logger: options.logger,
      start: (claim) => options.start(claim.agentId),
      stop: (work, agentId, reason) => options.stop(work, agentId, reason),
    });
    const leases = new BotLeases(bus, host, options);
    leases.timer = setInterval(() => void leases.claimAll(), Math.max(100, Math.floor(options.leaseMs / 3)));
    leases.timer.unref();
    return leases;
  }

  /** The bots that should run (somewhere): new ones are claimed now; this replica ends the ones no longer wanted. */
  async want(agentIds: Iterable<string>): Promise<void> {
    if (this.closing) return;
    const next = new Set(agentIds);
    const gone = [...this.wanted].filter((id) => !next.has(id));
    this.wanted = next;
    for (const agentId of gone) {
      this.owners.delete(agentId);
      if (this.host.holds(agentId)) await this.host.end(agentId);
    }
    await this.claimAll();
  }

  holds(agentId: string): boolean {
    return this.host.holds(agentId);
  }

  /** The bot's work here, when this replica runs it. */
  work(agentId: string): W | undefined {
    return this.host.work(agentId);
  }

  held(): string[] {
    return this.host.sessions();
  }

  /** The replica running the bot, as the last claim answered (this one included). */
  owner(agentId: string): string | undefined {
    return this.host.holds(agentId) ? this.options.instanceId : this.owners.get(agentId);
  }

  /** Stop claiming, hand every bot here to another replica, then stop them here. */
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
    this.claiming ??= Promise.all([...this.wanted].map((agentId) => this.claim(agentId)))
      .then(() => undefined)
      .finally(() => (this.claiming = undefined));
    return this.claiming;
  }

  private async claim(agentId: string): Promise<void> {
    try {
      const reply = await this.bus.call(this.protocol.claim, { session_id: agentId, agent_id: agentId });
      if (this.wanted.has(agentId)) this.owners.set(agentId, reply.owner_instance_id);
    } catch (error) {
      this.owners.delete(agentId);
      // Refusals are expected while replicas disagree on the bots (an event not yet everywhere).
      const code = error instanceof BusError ? error.code : ErrorCode.Internal;
      this.options.logger.debug?.('discord bot claim refused', { agent_id: agentId, code });
    }
  }
}
