import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { SERVICES } from '@voxbridge/contracts';
import { DatabaseServiceEnv, EncryptionKey, EncryptionOldKeys } from '@voxbridge/platform';


/** Environment of discord-connector (see apps/discord-connector/README.md). */
export class DiscordConnectorEnv extends DatabaseServiceEnv {
  override HTTP_PORT = SERVICES['discord-connector'].defaultPort;

  /** The fleet's key for plugin secrets: decrypts the agents' bot tokens (nothing else here sees them in clear). */
  @EncryptionKey()
  VOXBRIDGE_ENCRYPTION_KEY?: string;

  /** Earlier keys, comma-separated, for tokens not yet re-encrypted. */
  @EncryptionOldKeys()
  VOXBRIDGE_ENCRYPTION_OLD_KEYS?: string;

  /**
   * A bot's lease (JetStream KV TTL): every replica claims each bot every third of it, and a dead
   * holder is replaced at the next claim, so a bot is back within about a third of this.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  @Max(120_000)
  DISCORD_LEASE_MS = 6_000;

  /** How often the list of bots is read again from agent-api (events are applied at once; this catches missed ones). */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  @Max(3_600_000)
  DISCORD_RESYNC_MS = 60_000;

  /** Lease asked of stt-gateway, llm-router and tts-gateway for a channel's voice session; claimed again every third of it. */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  @Max(120_000)
  DISCORD_VOICE_LEASE_MS = 15_000;

  /** Discord's REST API root (default `https://discord.com/api`); the gateway address comes from it. Tests point it at a fake. */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http:// or https:// URL' })
  DISCORD_API_URL?: string;
}
