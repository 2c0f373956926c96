import type { VoiceConnection } from '@discordjs/voice';
import type { Bus, BusSubscription, PipelineSession } from '@voxbridge/bus';
import { ControlEvent, mediaSubject, TurnEvent } from '@voxbridge/contracts';
import type { AppLogger, TurnFacts } from '@voxbridge/platform';
import { Events, type Client, type VoiceState } from 'discord.js';
import type { BotsMetrics, VoiceCounter } from '../bots/bots.metrics';
import type { ChannelConversation } from './bot-voice';
import { ChannelListener } from './channel-listener';
import { ChannelSpeaker } from './channel-speaker';
import { recoverDave } from './dave-recovery';
import type { SpeakerClockOptions } from './speaker-clock';

export interface DiscordConversationDeps {
  bus: Bus;
  facts: Pick<TurnFacts, 'delivered'>;
  metrics: BotsMetrics;
  logger: AppLogger;
  /** The session held across the pipeline (released when the conversation closes). */
  pipeline: PipelineSession;
  agentId: string;
  client: Client<true>;
  connection: VoiceConnection;
  guildId: string;
  channelId: string;
  /** Marks the session ended (the channel was left for good). */
  endSession(sessionId: string): Promise<void>;
  clock?: SpeakerClockOptions;
}

/** Leaving for these reasons hands the channel on (another replica, a restart): the session stays open. */
const KEEP_SESSION_OPEN = new Set(['bot_stopped']);

/**
 * One agent's conversation in one voice channel: one voice session, several speakers. Everyone's
 * voice goes to the session's `audio.in` with their id and name (ChannelListener); the session's
 * `audio.out` is played in the channel and stops when tts-gateway interrupts or a turn is
 * cancelled (ChannelSpeaker). The voice connection can drop and rejoin underneath: the receiver
 * and player belong to the connection object, which survives rejoins, so the session goes on.
 */
export class DiscordConversation implements ChannelConversation {
  private readonly listener: ChannelListener;
  private readonly speaker: ChannelSpeaker;
  private readonly subscriptions: BusSubscription[];
  private readonly log: AppLogger;
  private readonly onVoiceState = (before: VoiceState, after: VoiceState) => {
    if (before.guild.id === this.deps.guildId && before.channelId === this.deps.channelId && after.channelId !== this.deps.channelId) this.listener.forget(before.id);
  };
  /** A DAVE key transition executed (transition id 0 = the session (re)initialised): every speaker is heard again. */
  private readonly onTransitioned = (transitionId: number) => {
    const rearmed = this.listener.rearm();
    this.log.info('discord DAVE transition executed; receive re-armed', { transition_id: transitionId, resubscribed: rearmed });
  };
  private closing: Promise<void> | undefined;

  constructor(private readonly deps: DiscordConversationDeps) {
    const { bus, client, connection, guildId, metrics, agentId } = deps;
    const sessionId = deps.pipeline.sessionId;
    this.log = deps.logger.child({ component: 'discord-conversation', session_id: sessionId, guild_id: guildId, channel_id: deps.channelId });
    const count = (what: VoiceCounter, by?: number) => metrics.count(agentId, what, by);
    const audioIn = mediaSubject(sessionId, 'audio.in');
    this.listener = new ChannelListener({
      receiver: connection.receiver,
      nameOf: (userId) => {
        const member = client.guilds.cache.get(guildId)?.members.cache.get(userId);
        return member?.displayName ?? client.users.cache.get(userId)?.displayName ?? userId;
      },
      ignore: (userId) => userId === client.user.id || client.users.cache.get(userId)?.bot === true,
      publish: (payload, meta) => bus.publishFrame(audioIn, payload, meta),
      count,
      logger: this.log,
      streamFailed: (userId) => {
        const recovered = recoverDave(connection);
        if (recovered) this.log.warn('discord DAVE session gave up decrypting; re-initialised it', { speaker_id: userId, transition_id: recovered.transitionId });
      },
      ...(deps.clock ? { clock: deps.clock } : {}),
    });
    this.speaker = new ChannelSpeaker({
      connection,
      delivered: (turnId, atMs) => void deps.facts.delivered({ session_id: sessionId, turn_id: turnId, marks: { first_frame_sent: atMs } }),
      count,
      logger: this.log,
    });
    const ours = (event: { session_id: string }) => event.session_id.toLowerCase() === sessionId.toLowerCase();
    this.subscriptions = [
      bus.subscribeFrames(mediaSubject(sessionId, 'audio.out'), (frame) => this.speaker.audioOut(frame)),
      bus.subscribeJson(mediaSubject(sessionId, 'turn'), TurnEvent, (event) => {
        if (ours(event)) this.speaker.turn(event);
      }),
      bus.subscribeJson(mediaSubject(sessionId, 'control'), ControlEvent, (event) => {
        if (ours(event)) this.speaker.control(event);
      }),
    ];
    client.on(Events.VoiceStateUpdate, this.onVoiceState);
    connection.on('transitioned', this.onTransitioned);
  }

  get sessionId(): string {
    return this.deps.pipeline.sessionId;
  }

  speakers(): string[] {
    return this.listener.current();
  }

  close(reason: string): Promise<void> {
    this.closing ??= this.undo(reason);
    return this.closing;
  }

  private async undo(reason: string): Promise<void> {
    this.deps.client.off(Events.VoiceStateUpdate, this.onVoiceState);
    this.deps.connection.off('transitioned', this.onTransitioned);
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.listener.close();
    this.speaker.close();
    await this.deps.pipeline.release();
    if (!KEEP_SESSION_OPEN.has(reason)) await this.deps.endSession(this.sessionId);
    this.log.info('discord conversation closed', { reason });
  }
}
