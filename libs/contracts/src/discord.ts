import { Type } from 'class-transformer';
import { ArrayMaxSize, Equals, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, MaxLength, Min, ValidateNested } from 'class-validator';
import { requestContract, type RequestContract } from './contract';
import { controlSubject, instanceSubject } from './subjects';

/**
 * Discord: agent-api tells discord-connector which agents have a bot (with the token still
 * encrypted, `agents.v1.discord-bot.list`), and agent-api's `/api/plugins/discord/voice/*` routes
 * reach the bot's replica (`discord.v1.voice.*`, one replica of the queue group answers and passes
 * the call on to the replica holding the bot, `discord.v1.instance.<id>.voice-*`).
 *
 * Snowflakes (Discord ids) travel as decimal strings: they do not fit a JSON number.
 */
export const SNOWFLAKE = /^[0-9]{17,20}$/;
export const SNOWFLAKE_MESSAGE = 'must be a Discord id (snowflake) as a string of 17-20 digits';

/** The domain of discord-connector's subjects, and the "stage" of its bot leases. */
export const DISCORD_DOMAIN = 'discord';

export const DiscordSubjects = {
  /** agent-api: every agent whose discord plugin is enabled, token encrypted as stored. */
  bots: controlSubject('agents', 'discord-bot', 'list'),
  join: controlSubject(DISCORD_DOMAIN, 'voice', 'join'),
  leave: controlSubject(DISCORD_DOMAIN, 'voice', 'leave'),
  status: controlSubject(DISCORD_DOMAIN, 'voice', 'status'),
} as const;

/** A secret field as stored (AES-256-GCM, libs/plugin-sdk `EncryptedField`): never the plaintext. */
export class EncryptedSecretDto {
  @Equals('v1') $enc!: 'v1';
  @IsString() @MaxLength(64) kid!: string;
  @IsString() @MaxLength(64) iv!: string;
  @IsString() @MaxLength(8_192) ct!: string;
  @IsString() @MaxLength(64) tag!: string;
}

export const DISCORD_TOKEN_PROBLEMS = ['missing', 'not_encrypted'] as const;
export type DiscordTokenProblem = (typeof DISCORD_TOKEN_PROBLEMS)[number];

/** One agent's bot as agent-api stores it (`plugins.discord`). */
export class DiscordBotConfig {
  @IsUUID() agent_id!: string;
  @IsString() agent_name!: string;
  /** Changes whenever the agent changes: a bot restarts when its config's fingerprint does. */
  @IsString() updated_at!: string;
  /** The token exactly as stored; null with `token_problem` when there is none to give. */
  @IsOptional() @ValidateNested() @Type(() => EncryptedSecretDto) bot_token!: EncryptedSecretDto | null;
  /** Why `bot_token` is null: `missing`, or `not_encrypted` (plaintext left by an import: never sent). */
  @IsOptional() @IsIn(DISCORD_TOKEN_PROBLEMS) token_problem?: DiscordTokenProblem;
  /** Guilds the bot works in; empty: every guild it was invited to. */
  @IsArray() @ArrayMaxSize(500) @Matches(SNOWFLAKE, { each: true, message: SNOWFLAKE_MESSAGE }) guild_ids!: string[];
  /** Voice channels it may join; empty: every voice channel of an allowed guild. */
  @IsArray() @ArrayMaxSize(500) @Matches(SNOWFLAKE, { each: true, message: SNOWFLAKE_MESSAGE }) channel_ids!: string[];
  /** Join an allowed voice channel when a person does. */
  @IsBoolean() auto_join!: boolean;
}

export class DiscordBotsRequest {
  /** Only this agent (its list is empty when it has no enabled bot). */
  @IsOptional() @IsUUID() agent_id?: string;
}

export class DiscordBotsReply {
  @IsArray() @ValidateNested({ each: true }) @Type(() => DiscordBotConfig) bots!: DiscordBotConfig[];
}

// ---- voice control --------------------------------------------------------------------------------

export class DiscordVoiceJoinRequest {
  @IsUUID() agent_id!: string;
  @Matches(SNOWFLAKE, { message: SNOWFLAKE_MESSAGE }) guild_id!: string;
  @Matches(SNOWFLAKE, { message: SNOWFLAKE_MESSAGE }) channel_id!: string;
  /** An existing (web) session to continue in the channel. */
  @IsOptional() @IsUUID() session_id?: string;
}

export class DiscordVoiceJoinReply {
  @IsUUID() agent_id!: string;
  @Matches(SNOWFLAKE) guild_id!: string;
  @Matches(SNOWFLAKE) channel_id!: string;
  @IsOptional() @IsString() channel_name?: string;
  @IsOptional() @IsUUID() session_id?: string;
}

export class DiscordVoiceLeaveRequest {
  @IsUUID() agent_id!: string;
  @Matches(SNOWFLAKE, { message: SNOWFLAKE_MESSAGE }) guild_id!: string;
}

export class DiscordVoiceLeaveReply {
  @IsUUID() agent_id!: string;
  @Matches(SNOWFLAKE) guild_id!: string;
  /** The bot was in a voice channel of the guild and left it. */
  @IsBoolean() left!: boolean;
}

export class DiscordVoiceStatusRequest {
  @IsUUID() agent_id!: string;
}

export const DISCORD_BOT_STATES = ['starting', 'logged_in', 'failed', 'stopped'] as const;
export type DiscordBotState = (typeof DISCORD_BOT_STATES)[number];

export class DiscordGuildStatus {
  @Matches(SNOWFLAKE) guild_id!: string;
  @IsString() name!: string;
  /** In the agent's guild allow-list (or the list is empty). */
  @IsBoolean() allowed!: boolean;
}

export class DiscordConnectionStatus {
  @Matches(SNOWFLAKE) guild_id!: string;
  @Matches(SNOWFLAKE) channel_id!: string;
  @IsOptional() @IsString() channel_name?: string;
  /** `@discordjs/voice` connection status (signalling, connecting, ready, disconnected, destroyed). */
  @IsString() state!: string;
  @IsOptional() @IsUUID() session_id?: string;
  /** Discord user ids heard in this channel's conversation. */
  @IsArray() @Matches(SNOWFLAKE, { each: true }) speakers!: string[];
}

export class DiscordBotStatus {
  @IsIn(DISCORD_BOT_STATES) state!: DiscordBotState;
  @IsOptional() @IsString() username?: string;
  @IsOptional() @Matches(SNOWFLAKE) user_id?: string;
  /** Why it is not logged in, or the last thing that went wrong (never the token). */
  @IsOptional() @IsString() error?: string;
  @IsInt() @Min(0) reconnects!: number;
}

export class DiscordVoiceStatusReply {
  @IsUUID() agent_id!: string;
  @IsString() agent_name!: string;
  /** The discord-connector replica running the bot. */
  @IsUUID() instance_id!: string;
  @ValidateNested() @Type(() => DiscordBotStatus) bot!: DiscordBotStatus;
  @IsArray() @ValidateNested({ each: true }) @Type(() => DiscordGuildStatus) guilds!: DiscordGuildStatus[];
  @IsArray() @ValidateNested({ each: true }) @Type(() => DiscordConnectionStatus) connections!: DiscordConnectionStatus[];
}

/** agent-api finds the agents' bots; discord-connector's join / leave / status, one replica answering. */
export const DiscordContracts = {
  bots: requestContract({ subject: DiscordSubjects.bots, request: DiscordBotsRequest, reply: DiscordBotsReply, timeoutMs: 3_000 }),
  join: requestContract({ subject: DiscordSubjects.join, request: DiscordVoiceJoinRequest, reply: DiscordVoiceJoinReply, timeoutMs: 15_000 }),
  leave: requestContract({ subject: DiscordSubjects.leave, request: DiscordVoiceLeaveRequest, reply: DiscordVoiceLeaveReply, timeoutMs: 5_000 }),
  status: requestContract({ subject: DiscordSubjects.status, request: DiscordVoiceStatusRequest, reply: DiscordVoiceStatusReply, timeoutMs: 2_000 }),
} as const;

export interface DiscordInstanceContracts {
  join: RequestContract<DiscordVoiceJoinRequest, DiscordVoiceJoinReply>;
  leave: RequestContract<DiscordVoiceLeaveRequest, DiscordVoiceLeaveReply>;
  status: RequestContract<DiscordVoiceStatusRequest, DiscordVoiceStatusReply>;
}

/** The same calls to one replica (the bot's holder), passed on by the replica that answered. */
export function discordInstanceContracts(instanceId: string): DiscordInstanceContracts {
  return {
    join: { ...DiscordContracts.join, subject: instanceSubject(DISCORD_DOMAIN, instanceId, 'voice-join') },
    leave: { ...DiscordContracts.leave, subject: instanceSubject(DISCORD_DOMAIN, instanceId, 'voice-leave') },
    status: { ...DiscordContracts.status, subject: instanceSubject(DISCORD_DOMAIN, instanceId, 'voice-status') },
  };
}
