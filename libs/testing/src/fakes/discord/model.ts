/** What a test declares: bots (applications with a token), people, guilds and their channels. */

export interface FakeDiscordBotDefinition {
  /** The bot token, as pasted in an agent's Discord settings (sent as `Authorization: Bot <token>`). */
  token: string;
  /** The bot user's id; generated when absent. */
  userId?: string;
  /** The application id; defaults to the bot user id, as on Discord. */
  applicationId?: string;
  username?: string;
}

export interface FakeDiscordBot {
  token: string;
  userId: string;
  applicationId: string;
  username: string;
}

export interface FakeDiscordUser {
  id: string;
  username: string;
  /** Shown as the display name; defaults to the username. */
  globalName?: string;
  bot?: boolean;
}

export type FakeDiscordChannelKind = 'text' | 'voice';

export interface FakeDiscordChannel {
  id: string;
  name: string;
  kind: FakeDiscordChannelKind;
}

export interface FakeDiscordGuildDefinition {
  id: string;
  name: string;
  channels: FakeDiscordChannel[];
  /** People in the guild (ids of `users`). */
  memberIds: string[];
  /** Bots (user ids) that are in the guild; all bots when absent. */
  botUserIds?: string[];
}

/** Discord's numeric channel types for the kinds the fake knows. */
export const CHANNEL_TYPE: Record<FakeDiscordChannelKind, number> = { text: 0, voice: 2 };

/** Gateway opcodes (API v10) the fake sends or reads. */
export const GATEWAY_OP = {
  dispatch: 0,
  heartbeat: 1,
  identify: 2,
  presenceUpdate: 3,
  voiceStateUpdate: 4,
  resume: 6,
  reconnect: 7,
  requestGuildMembers: 8,
  invalidSession: 9,
  hello: 10,
  heartbeatAck: 11,
} as const;

/** Voice gateway opcodes (voice v8) the fake sends or reads. */
export const VOICE_OP = {
  identify: 0,
  selectProtocol: 1,
  ready: 2,
  heartbeat: 3,
  sessionDescription: 4,
  speaking: 5,
  heartbeatAck: 6,
  resume: 7,
  hello: 8,
  resumed: 9,
  clientsConnect: 11,
  clientDisconnect: 13,
  davePrepareTransition: 21,
  daveExecuteTransition: 22,
  daveTransitionReady: 23,
  davePrepareEpoch: 24,
  daveMlsInvalidCommitWelcome: 31,
} as const;

/** All permissions, as a string (what a guild owner has). */
export const ALL_PERMISSIONS = '2251799813685247';

let snowflakeCounter = 0;

/** A fresh snowflake (string), increasing within the process. */
export function nextSnowflake(): string {
  snowflakeCounter = (snowflakeCounter + 1) % 4096;
  const sinceEpochMs = BigInt(Date.now() - 1_420_070_400_000);
  return ((sinceEpochMs << 22n) + BigInt(snowflakeCounter)).toString();
}

export function userPayload(user: FakeDiscordUser): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    global_name: user.globalName ?? user.username,
    discriminator: '0',
    avatar: null,
    bot: user.bot ?? false,
    system: false,
    public_flags: 0,
  };
}

export function memberPayload(user: FakeDiscordUser, joinedAt: string): Record<string, unknown> {
  return {
    user: userPayload(user),
    nick: null,
    avatar: null,
    roles: [],
    joined_at: joinedAt,
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
    permissions: ALL_PERMISSIONS,
  };
}

export function channelPayload(guildId: string, channel: FakeDiscordChannel, position: number): Record<string, unknown> {
  const base = {
    id: channel.id,
    type: CHANNEL_TYPE[channel.kind],
    guild_id: guildId,
    name: channel.name,
    position,
    permission_overwrites: [],
    parent_id: null,
    nsfw: false,
    flags: 0,
  };
  return channel.kind === 'voice'
    ? { ...base, bitrate: 64_000, user_limit: 0, rtc_region: null, video_quality_mode: 1, rate_limit_per_user: 0 }
    : { ...base, topic: null, last_message_id: null, rate_limit_per_user: 0 };
}
