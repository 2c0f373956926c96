import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Bus, BusError, describeCallFailure, PipelineSessions, PipelineStageError } from '@voxbridge/bus';
import { ErrorCode, SessionContracts, type SessionDto } from '@voxbridge/contracts';
import { AppLogger, TurnFacts } from '@voxbridge/platform';
import { BotsError, BotsErrorCode } from '../bots/bots.errors';
import { BotsMetrics } from '../bots/bots.metrics';
import { BotsService } from '../bots/bots.service';
import { DiscordConnectorEnv } from '../config/discord-connector.env';
import type { ChannelConversation, ConversationFactory } from './bot-voice';
import { DiscordConversation } from './discord-conversation';

type ConversationInput = Parameters<ConversationFactory>[0];

/** The session's `user_id` for a voice channel: one conversation per agent and channel. */
const channelUserId = (guildId: string, channelId: string) => `discord:${guildId}:${channelId}`;

/**
 * Opens the conversation of a joined voice channel: its session in session-store (a new `discord`
 * session, or the web session the join named, reactivated), held across the pipeline with the
 * fleet's one gateway-side protocol (`PipelineSessions`, as webrtc-gateway holds its sockets').
 */
@Injectable()
export class DiscordConversations implements OnModuleInit, OnModuleDestroy {
  private readonly pipeline: PipelineSessions;
  private readonly log: AppLogger;

  constructor(
    private readonly bus: Bus,
    private readonly facts: TurnFacts,
    private readonly metrics: BotsMetrics,
    private readonly bots: BotsService,
    env: DiscordConnectorEnv,
    logger: AppLogger,
  ) {
    this.log = logger.child({ component: 'discord-voice' });
    this.pipeline = new PipelineSessions(bus, { leaseMs: env.DISCORD_VOICE_LEASE_MS, logger: this.log });
  }

  onModuleInit(): void {
    this.bots.conversationFactory = (input) => this.open(input);
  }

  onModuleDestroy(): void {
    this.pipeline.close();
  }

  async open(input: ConversationInput): Promise<ChannelConversation> {
    const client = input.bot.readyClient;
    if (!client) throw new BotsError(BotsErrorCode.NotReady, 'the agent’s discord bot is not logged in');
    const session = await this.session(input);
    let pipeline;
    try {
      pipeline = await this.pipeline.open(session.id, input.bot.agentId, {
        stageFailed: (failure) => this.log.warn('voice pipeline stage failing', { session_id: session.id, service: failure.service }),
        stageRecovered: (stage) => this.log.info('voice pipeline stage answers again', { session_id: session.id, stage }),
        stageMoved: (stage, move) => this.log.info('voice pipeline stage moved to another replica', { session_id: session.id, stage, took_over: move.tookOver }),
      });
    } catch (error) {
      if (error instanceof PipelineStageError) {
        throw new BotsError(BotsErrorCode.Unavailable, describeCallFailure(error.service, error.cause).message, { cause: error });
      }
      throw error;
    }
    return new DiscordConversation({
      bus: this.bus,
      facts: this.facts,
      metrics: this.metrics,
      logger: this.log,
      pipeline,
      agentId: input.bot.agentId,
      client,
      connection: input.connection,
      guildId: input.guildId,
      channelId: input.channelId,
      endSession: (sessionId) => this.endSession(sessionId),
    });
  }

  /**
   * The channel's session: the named one (of this agent), reactivated if it had ended; else the
   * channel's session still active (a replica that died, or handed the bot over, left it open:
   * the conversation goes on); else a new `discord` session.
   */
  private async session(input: ConversationInput): Promise<SessionDto> {
    const { bot, guildId, channelId, sessionId } = input;
    try {
      if (sessionId === undefined) {
        const userId = channelUserId(guildId, channelId);
        const { items } = await this.bus.call(SessionContracts.list, { user_id: userId, agent_id: bot.agentId, active: true, limit: 1 });
        const open = items.find((session) => session.session_type === 'discord');
        if (open) {
          this.log.info('continuing the channel’s open discord session', { session_id: open.id, guild_id: guildId, channel_id: channelId });
          return open;
        }
        const guild = input.bot.readyClient?.guilds.cache.get(guildId);
        const channelName = guild?.channels.cache.get(channelId)?.name ?? channelId;
        return await this.bus.call(SessionContracts.create, {
          user_id: userId,
          user_name: `#${channelName}`.slice(0, 100),
          agent_id: bot.agentId,
          title: `Discord #${channelName}`.slice(0, 200),
          session_type: 'discord',
          session_metadata: { guild_id: guildId, guild_name: guild?.name ?? null, channel_id: channelId, channel_name: channelName },
        });
      }
      const found = await this.bus.call(SessionContracts.get, { id: sessionId });
      if (found.agent_id !== bot.agentId) throw new BotsError(BotsErrorCode.SessionNotFound, `session ${sessionId} is not a session of this agent`);
      return found.active ? found : await this.bus.call(SessionContracts.update, { id: found.id, active: true });
    } catch (error) {
      if (error instanceof BotsError) throw error;
      if (error instanceof BusError && error.code === ErrorCode.NotFound) throw new BotsError(BotsErrorCode.SessionNotFound, `session ${sessionId ?? ''} not found`, { cause: error });
      throw new BotsError(BotsErrorCode.Unavailable, describeCallFailure('session-store', error).message, { cause: error });
    }
  }

  /** Never throws: an unanswered update leaves the session active, as a dropped socket would. */
  private async endSession(sessionId: string): Promise<void> {
    await this.bus.call(SessionContracts.update, { id: sessionId, active: false }).catch((error: unknown) => {
      this.log.warn('could not mark the discord session ended', { session_id: sessionId, err: error });
    });
  }
}
