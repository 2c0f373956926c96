import { SERVICES } from '@voxbridge/contracts';
import { DatabaseServiceEnv, EncryptionKey, EncryptionOldKeys, Secret } from '@voxbridge/platform';
import { Type } from 'class-transformer';
import { IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min } from 'class-validator';


/** Environment of agent-api (see apps/agent-api/README.md). */
export class AgentApiEnv extends DatabaseServiceEnv {
  override HTTP_PORT = SERVICES['agent-api'].defaultPort;

  /** How long `GET /api/fleet/health` waits for a service before calling it unreachable. */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(10_000)
  FLEET_HEALTH_TIMEOUT_MS = 1_000;

  /** After every service has answered, how long to keep listening for more replicas. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000)
  FLEET_HEALTH_GRACE_MS = 50;

  /**
   * Current key for plugin secrets (AES-256-GCM), `<key id>:<base64 32 bytes>`. Without it, a
   * request that would store a secret is refused (nothing is stored in plaintext).
   */
  @EncryptionKey()
  VOXBRIDGE_ENCRYPTION_KEY?: string;

  /** Earlier keys, comma-separated, still accepted for decryption while secrets are re-encrypted. */
  @EncryptionOldKeys()
  VOXBRIDGE_ENCRYPTION_OLD_KEYS?: string;

  /**
   * An admin API key to register when no key exists yet (the launcher generates one on first start
   * and keeps it in .voxbridge/admin-key). Ignored once any key exists.
   */
  @Secret()
  @IsOptional()
  @Matches(/^vbk_[A-Za-z0-9_-]{32,}$/, { message: 'must be an API key (vbk_...)' })
  VOXBRIDGE_BOOTSTRAP_ADMIN_KEY?: string;

  /** Origins allowed by CORS, comma-separated (`*` for any); empty: same origin only. */
  @IsOptional()
  @Matches(/^(\*|https?:\/\/[^,\s]+(,https?:\/\/[^,\s]+)*)$/, { message: 'must be * or comma-separated http(s) origins' })
  CORS_ORIGINS?: string;

  /** Requests per second allowed per API key (token bucket refill rate); a fraction is fine. */
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.001)
  @Max(100_000)
  RATE_LIMIT_PER_SECOND = 500;

  /** Burst allowed per API key above the steady rate (token bucket size). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  RATE_LIMIT_BURST = 1_000;

  /** Largest accepted request body. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_240)
  HTTP_BODY_LIMIT_KB = 256;

  /** A /ws/events client whose unsent backlog passes this is disconnected (close code 1013). */
  @Type(() => Number)
  @IsInt()
  @Min(16)
  @Max(65_536)
  WS_EVENTS_MAX_BUFFER_KB = 1_024;

  /** Lifetime of a voice token minted by `POST /api/voice/token` for the web app's voice socket. */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(86_400)
  VOICE_TOKEN_TTL_S = 300;

  /**
   * The voice socket's public address given to the web app (`ws(s)://host[:port]/ws/voice`). Unset:
   * the host the page was loaded from, with webrtc-gateway's port (`WEBRTC_GATEWAY_PORT`).
   */
  @IsOptional()
  @Matches(/^wss?:\/\/[^\s]+$/, { message: 'must be a ws:// or wss:// URL' })
  WEBRTC_PUBLIC_URL?: string;

  /** webrtc-gateway's HTTP port, for the default voice socket address (the launcher sets it). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65_535)
  WEBRTC_GATEWAY_PORT = SERVICES['webrtc-gateway'].defaultPort;

  /** The built web app (`apps/web`, served at `/`). Unset: `dist/apps/web` beside this service. */
  @IsOptional()
  @IsString()
  WEB_ROOT?: string;
}
