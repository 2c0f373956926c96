import { entersState, joinVoiceChannel, VoiceConnectionStatus, type VoiceConnection } from '@discordjs/voice';
import type { DiscordConnectionStatus, DiscordVoiceJoinReply } from '@voxbridge/contracts';
import type { AppLogger } from '@voxbridge/platform';
import { ChannelType, Events, type Client, type VoiceBasedChannel, type VoiceState } from 'discord.js';
import { channelAllowed } from '../bots/allow-list';
import { BotsError, BotsErrorCode } from '../bots/bots.errors';
import type { DiscordBot } from '../bots/discord-bot';
import type { BotsMetrics } from '../bots/bots.metrics';
import { watchConnectionErrors } from './dave-recovery';

const READY_TIMEOUT_MS = 15_000;
/** Rejoins after a dropped voice connection before giving up on the channel. */
const MAX_REJOINS = 3;
const REJOIN_GRACE_MS = 5_000;

/** What happens in a joined channel: the conversation (audio both ways) plugs in here. */
export interface ChannelConversation {
  readonly sessionId: string | undefined;
  speakers(): string[];
  close(reason: string): Promise<void>;
}

export type ConversationFactory = (input: { bot: DiscordBot; connection: VoiceConnection; guildId: string; channelId: string; sessionId?: string }) => Promise<ChannelConversation>;

interface Joined {
  guildId: string;
  channelId: string;
  channelName: string;
  connection: VoiceConnection;
  conversation: ChannelConversation | undefined;
  rejoins: number;
}

/**
 * A bot's voice channels: one per guild (Discord's rule for a bot user). Joins on request or when a
 * person enters an allowed channel (`auto_join`), leaves when no human is left, and rejoins a
 * dropped connection a few times before giving the channel up.
 */
export class BotVoice {
  private readonly joined = new Map<string, Joined>();
  private readonly log: AppLogger;
  private readonly onVoiceState = (before: VoiceState, after: VoiceState) => void this.voiceStateChanged(before, after);

  constructor(
    private readonly bot: DiscordBot,
    private readonly client: Client<true>,
    private readonly deps: { metrics: BotsMetrics; logger: AppLogger; conversation?: ConversationFactory },
  ) {
    this.log = deps.logger.child({ component: 'bot-voice', agent_id: bot.agentId });
    client.on(Events.VoiceStateUpdate, this.onVoiceState);
  }

  /** Joins (or moves to) a voice channel; refuses channels outside the allow-lists. */
  async join(guildId: string, channelId: string, sessionId?: string): Promise<DiscordVoiceJoinReply> {
    const channel = this.allowedChannel(guildId, channelId);
    const current = this.joined.get(guildId);
    if (current?.channelId === channelId && (!sessionId || current.conversation?.sessionId === sessionId)) return this.reply(current);
    if (current) await this.leave(guildId, 'moved');
    const connection = joinVoiceChannel({ guildId, channelId, adapterCreator: channel.guild.voiceAdapterCreator, group: this.bot.agentId, selfDeaf: false, selfMute: false });
    const entry: Joined = { guildId, channelId, channelName: channel.name, connection, conversation: undefined, rejoins: 0 };
    this.joined.set(guildId, entry);
    this.watch(entry);
    try {
      await entersState(connection, VoiceConnectionStatus.Ready, READY_TIMEOUT_MS);
    } catch (error) {
      this.joined.delete(guildId);
      connection.destroy();
      this.updateGauge();
      throw new BotsError(BotsErrorCode.Unavailable, `voice connection to channel ${channelId} did not become ready`, { cause: error });
    }
    if (this.deps.conversation && this.joined.get(guildId) === entry) {
      try {
        const conversation = await this.deps.conversation({ bot: this.bot, connection, guildId, channelId, ...(sessionId ? { sessionId } : {}) });
        // Left (or moved) while the conversation opened: it has nowhere to go.
        if (this.joined.get(guildId) !== entry) {
          await conversation.close('left_while_opening');
          throw new BotsError(BotsErrorCode.Unavailable, `the bot left channel ${channelId} while joining it`);
        }
        entry.conversation = conversation;
      } catch (error) {
        // A channel the bot cannot converse in is not joined: it says why instead of sitting there deaf.
        if (this.joined.get(guildId) === entry) await this.leave(guildId, 'conversation_failed');
        throw error;
      }
    }
    this.updateGauge();
    this.log.info('discord voice channel joined', { guild_id: guildId, channel_id: channelId, session_id: entry.conversation?.sessionId });
    return this.reply(entry);
  }

  /**
   * After a login or a takeover (the bot's previous replica died): back into the allowed voice
   * channel of each guild where people are, without waiting for someone's voice state to change.
   * The channel the bot user still sits in (per Discord) comes first. Never throws.
   */
  async joinOccupied(): Promise<void> {
    const settings = this.bot.settings;
    if (!settings.auto_join) return;
    for (const guild of this.client.guilds.cache.values()) {
      if (this.joined.has(guild.id)) continue;
      const occupied = guild.channels.cache.filter((channel) => channel.isVoiceBased() && channelAllowed(settings, guild.id, channel.id) && this.humansIn(guild.id, channel.id) > 0);
      const sitting = guild.members.me?.voice.channelId;
      const channel = (sitting ? occupied.get(sitting) : undefined) ?? occupied.first();
      if (!channel) continue;
      this.log.info('people are in an allowed voice channel: joining it', { guild_id: guild.id, channel_id: channel.id });
      await this.join(guild.id, channel.id).catch((error: unknown) => this.log.warn('discord voice channel not rejoined', { guild_id: guild.id, channel_id: channel.id, err: error }));
    }
  }

  /** Leaves the guild's voice channel; false when the bot was in none. */
  async leave(guildId: string, reason = 'requested'): Promise<boolean> {
    const entry = this.joined.get(guildId);
    if (!entry) return false;
    this.joined.delete(guildId);
    await entry.conversation?.close(reason).catch((error: unknown) => this.log.warn('discord conversation close failed', { guild_id: guildId, err: error }));
    if (entry.connection.state.status !== VoiceConnectionStatus.Destroyed) entry.connection.destroy();
    this.updateGauge();
    this.log.info('discord voice channel left', { guild_id: guildId, channel_id: entry.channelId, reason });
    return true;
  }

  async close(): Promise<void> {
    this.client.off(Events.VoiceStateUpdate, this.onVoiceState);
    await Promise.all([...this.joined.keys()].map((guildId) => this.leave(guildId, 'bot_stopped')));
  }

  connections(): DiscordConnectionStatus[] {
    return [...this.joined.values()].map((entry) => ({
      guild_id: entry.guildId,
      channel_id: entry.channelId,
      channel_name: entry.channelName,
      state: entry.connection.state.status,
      ...(entry.conversation?.sessionId ? { session_id: entry.conversation.sessionId } : {}),
      speakers: entry.conversation?.speakers() ?? [],
    }));
  }

  private allowedChannel(guildId: string, channelId: string): VoiceBasedChannel {
    const guild = this.client.guilds.cache.get(guildId);
    if (!guild) throw new BotsError(BotsErrorCode.NotAllowed, `the bot is not in guild ${guildId}`);
    if (!channelAllowed(this.bot.settings, guildId, channelId)) throw new BotsError(BotsErrorCode.NotAllowed, `channel ${channelId} of guild ${guildId} is not in the agent's allow-list`);
    const channel = guild.channels.cache.get(channelId);
    if (!channel || (channel.type !== ChannelType.GuildVoice && channel.type !== ChannelType.GuildStageVoice)) {
      throw new BotsError(BotsErrorCode.NotAllowed, `channel ${channelId} is not a voice channel of guild ${guildId}`);
    }
    return channel;
  }

  private reply(entry: Joined): DiscordVoiceJoinReply {
    return {
      agent_id: this.bot.agentId,
      guild_id: entry.guildId,
      channel_id: entry.channelId,
      channel_name: entry.channelName,
      ...(entry.conversation?.sessionId ? { session_id: entry.conversation.sessionId } : {}),
    };
  }

  /** A dropped connection: wait briefly for @discordjs/voice to recover it, else rejoin (bounded), else give up. */
  private watch(entry: Joined): void {
    watchConnectionErrors(entry.connection, { countDecryptionFailure: () => this.deps.metrics.count(this.bot.agentId, 'decryption_failures'), logger: this.log, guildId: entry.guildId });
    entry.connection.on(VoiceConnectionStatus.Disconnected, () => {
      void (async () => {
        try {
          await Promise.race([
            entersState(entry.connection, VoiceConnectionStatus.Signalling, REJOIN_GRACE_MS),
            entersState(entry.connection, VoiceConnectionStatus.Connecting, REJOIN_GRACE_MS),
          ]);
          this.bot.countReconnect();
        } catch {
          if (this.joined.get(entry.guildId) !== entry) return;
          if (entry.rejoins++ < MAX_REJOINS && entry.connection.rejoin()) {
            this.bot.countReconnect();
            this.log.warn('discord voice connection dropped; rejoining', { guild_id: entry.guildId, attempt: entry.rejoins });
            return;
          }
          this.log.warn('discord voice connection lost; leaving the channel', { guild_id: entry.guildId, rejoins: entry.rejoins });
          await this.leave(entry.guildId, 'connection_lost');
        }
      })();
    });
    entry.connection.on(VoiceConnectionStatus.Ready, () => {
      entry.rejoins = 0;
    });
  }

  private async voiceStateChanged(before: VoiceState, after: VoiceState): Promise<void> {
    try {
      const guildId = after.guild.id;
      if (after.member?.user.bot) return;
      const entry = this.joined.get(guildId);
      if (entry && before.channelId === entry.channelId && after.channelId !== entry.channelId && this.humansIn(guildId, entry.channelId) === 0) {
        await this.leave(guildId, 'no_humans_left');
        return;
      }
      const settings = this.bot.settings;
      if (!settings.auto_join || !after.channelId || after.channelId === before.channelId || this.joined.has(guildId)) return;
      if (!channelAllowed(settings, guildId, after.channelId)) return;
      await this.join(guildId, after.channelId);
    } catch (error) {
      this.log.warn('discord voice state change not handled', { err: error });
    }
  }

  private humansIn(guildId: string, channelId: string): number {
    const channel = this.client.guilds.cache.get(guildId)?.channels.cache.get(channelId);
    if (!channel?.isVoiceBased()) return 0;
    return channel.members.filter((member) => !member.user.bot).size;
  }

  private updateGauge(): void {
    this.deps.metrics.connectionCount(this.bot.agentId, this.joined.size);
  }
}
