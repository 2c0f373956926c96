import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Bus, LeasedWork, type SessionStopReason } from '@voxbridge/bus';
import {
  DiscordContracts,
  DISCORD_DOMAIN,
  type DiscordBotConfig,
  type DiscordVoiceJoinReply,
  type DiscordVoiceJoinRequest,
  type DiscordVoiceLeaveReply,
  type DiscordVoiceLeaveRequest,
  type DiscordVoiceStatusReply,
} from '@voxbridge/contracts';
import { AgentFollower, AppLogger, ServiceIdentity } from '@voxbridge/platform';
import { DiscordConnectorEnv } from '../config/discord-connector.env';
import { BotVoice, type ConversationFactory } from '../voice/bot-voice';
import { BotTokenVault } from './bot-token';
import { BotsError, BotsErrorCode } from './bots.errors';
import { BotsMetrics } from './bots.metrics';
import { DiscordBot } from './discord-bot';
import { SlashCommands } from './slash-commands';

/** A bot running here, with its voice once logged in. */
interface RunningBot {
  bot: DiscordBot;
  voice(): BotVoice | undefined;
}

/**
 * The bots: which agents have one (agent-api's list, kept current by the agent events), which of
 * them run on this replica (BotLeases: one live client per token across the replicas), and the
 * bots' voice channels.
 */
@Injectable()
export class BotsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly configs = new Map<string, DiscordBotConfig>();
  private readonly vault: BotTokenVault;
  private readonly log: AppLogger;
  private readonly agents: AgentFollower;
  private leases: LeasedWork<RunningBot> | undefined;
  /** Voice conversations (set by the voice module; without it the bot joins channels silently). */
  conversationFactory: ConversationFactory | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly identity: ServiceIdentity,
    private readonly env: DiscordConnectorEnv,
    private readonly metrics: BotsMetrics,
    logger: AppLogger,
  ) {
    this.log = logger.child({ component: 'discord-bots' });
    this.vault = BotTokenVault.fromKeys(env.VOXBRIDGE_ENCRYPTION_KEY, env.VOXBRIDGE_ENCRYPTION_OLD_KEYS);
    this.agents = new AgentFollower(bus, {
      refresh: (agentId) => this.refresh(agentId),
      forget: (agentId) => this.apply(agentId, undefined),
      syncAll: () => this.syncAll(),
      resyncMs: env.DISCORD_RESYNC_MS,
      logger: this.log,
      messages: { changeFailed: 'discord bot change not applied', syncFailed: 'discord bots not listed: agent-api did not answer' },
    });
  }

  get instanceId(): string {
    return this.identity.instanceId;
  }

  async onApplicationBootstrap(): Promise<void> {
    // One live client per bot token across the replicas: a bot's lease id is its agent id.
    this.leases = await LeasedWork.open<RunningBot>(this.bus, {
      domain: DISCORD_DOMAIN,
      service: 'discord-connector',
      instanceId: this.identity.instanceId,
      leaseMs: this.env.DISCORD_LEASE_MS,
      logger: this.log,
      start: (agentId) => Promise.resolve(this.startBot(agentId)),
      stop: (running, agentId, reason) => this.stopBot(running, agentId, reason),
    });
    await this.agents.start();
  }

  /** Every bot here is handed to another replica (or let go) before the bus drains. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.agents.stop();
    await this.leases?.close();
  }

  /** The bot list was read at least once (until then an unknown agent may just not be known yet). */
  get listed(): boolean {
    return this.agents.synced;
  }

  /** The agents with a bot, as last read. */
  knows(agentId: string): boolean {
    return this.configs.has(agentId);
  }

  /** The replica running the agent's bot (this one included), as far as this replica knows. */
  ownerOf(agentId: string): string | undefined {
    return this.leases?.owner(agentId);
  }

  heldBots(): string[] {
    return this.leases?.held() ?? [];
  }

  // ---- the calls, on the replica holding the bot ---------------------------------------------------

  status(agentId: string): DiscordVoiceStatusReply {
    const running = this.running(agentId);
    const { bot, guilds } = running.bot.status();
    return {
      agent_id: agentId,
      agent_name: running.bot.settings.agent_name,
      instance_id: this.identity.instanceId,
      bot,
      guilds,
      connections: running.voice()?.connections() ?? [],
    };
  }

  async join(req: DiscordVoiceJoinRequest): Promise<DiscordVoiceJoinReply> {
    return this.voiceOf(req.agent_id).join(req.guild_id, req.channel_id, req.session_id);
  }

  async leave(req: DiscordVoiceLeaveRequest): Promise<DiscordVoiceLeaveReply> {
    const left = await this.voiceOf(req.agent_id).leave(req.guild_id);
    return { agent_id: req.agent_id, guild_id: req.guild_id, left };
  }

  /** The bot runs here. */
  holds(agentId: string): boolean {
    return this.leases?.work(agentId) !== undefined;
  }

  // ---- bots on this replica ------------------------------------------------------------------------

  private running(agentId: string): RunningBot {
    const running = this.leases?.work(agentId);
    if (!running) throw new BotsError(BotsErrorCode.UnknownBot, `no discord bot for agent ${agentId} runs on this replica`);
    return running;
  }

  private voiceOf(agentId: string): BotVoice {
    const running = this.running(agentId);
    const voice = running.voice();
    if (!voice) {
      const { bot } = running.bot.status();
      throw new BotsError(BotsErrorCode.NotReady, `the agent's discord bot is not logged in (${bot.state}${bot.error ? `: ${bot.error}` : ''})`);
    }
    return voice;
  }

  private startBot(agentId: string): RunningBot {
    const config = this.configs.get(agentId);
    if (!config) throw new BotsError(BotsErrorCode.UnknownBot, `agent ${agentId} has no enabled discord bot here (yet)`);
    let voice: BotVoice | undefined;
    let commands: SlashCommands | undefined;
    const bot = new DiscordBot(config, {
      vault: this.vault,
      metrics: this.metrics,
      logger: this.log,
      apiUrl: this.env.DISCORD_API_URL,
      onReady: (ready) => {
        const client = ready.readyClient;
        if (!client) return;
        voice = new BotVoice(ready, client, { metrics: this.metrics, logger: this.log, conversation: this.conversationFactory });
        commands = new SlashCommands(ready, client, voice, {
          logger: this.log,
          agents: () => [...this.configs.values()].map((config) => ({ agentId: config.agent_id, name: config.agent_name })),
        });
        void commands.register();
        // A takeover (or a restart) finds people already in a channel: their voice states will not change.
        void voice.joinOccupied();
      },
      onStopping: async () => {
        commands?.close();
        commands = undefined;
        const closing = voice;
        voice = undefined;
        await closing?.close();
      },
    });
    bot.start();
    this.metrics.botsHeld(this.heldBots().length + 1);
    this.log.info('discord bot started here', { agent_id: agentId });
    return { bot, voice: () => voice };
  }

  private async stopBot(running: RunningBot, agentId: string, reason: SessionStopReason): Promise<void> {
    await running.bot.stop();
    this.metrics.botsHeld(this.heldBots().filter((id) => id !== agentId).length);
    this.log.info('discord bot stopped here', { agent_id: agentId, reason });
  }

  // ---- which bots exist ----------------------------------------------------------------------------

  /** The whole list again: the bots that appeared, changed or went while no event reached us. */
  private async syncAll(): Promise<void> {
    const { bots } = await this.bus.call(DiscordContracts.bots, {});
    const seen = new Set(bots.map((bot) => bot.agent_id));
    for (const agentId of [...this.configs.keys()]) if (!seen.has(agentId)) await this.apply(agentId, undefined, false);
    for (const bot of bots) await this.apply(bot.agent_id, bot, false);
    await this.leases?.want(new Map([...this.configs.keys()].map((agentId) => [agentId, agentId] as const)));
    if (!this.agents.synced) this.log.info('discord bots listed', { bots: bots.length });
  }

  private async refresh(agentId: string): Promise<void> {
    const { bots } = await this.bus.call(DiscordContracts.bots, { agent_id: agentId });
    await this.apply(agentId, bots[0]);
  }

  /** One agent's bot config as now known (undefined: no bot); the bot running here follows it. */
  private async apply(agentId: string, config: DiscordBotConfig | undefined, claim = true): Promise<void> {
    if (config) this.configs.set(agentId, config);
    else this.configs.delete(agentId);
    const running = this.leases?.work(agentId);
    if (running && config) await running.bot.update(config);
    if (claim) await this.leases?.want(new Map([...this.configs.keys()].map((agentId) => [agentId, agentId] as const)));
  }
}
