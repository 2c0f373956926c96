import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Max, MaxLength, Min } from 'class-validator';
import { SERVICES } from '@voxbridge/contracts';
import { Secret, ServiceEnv } from '@voxbridge/platform';

const HTTP_URL = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/** Environment of tts-gateway (see apps/tts-gateway/README.md). */
export class TtsGatewayEnv extends ServiceEnv {
  override HTTP_PORT = SERVICES['tts-gateway'].defaultPort;

  /**
   * Chatterbox TTS API base URL. When set, `tts_provider: auto` uses Chatterbox; unset, agents that
   * name `chatterbox` still try Chatterbox's default address (see TtsProviderRegistry).
   */
  @IsOptional()
  @IsUrl(HTTP_URL)
  CHATTERBOX_URL?: string;

  /**
   * OpenAI-compatible speech server (`…/v1/audio/speech`). When set (and CHATTERBOX_URL is not),
   * `auto` uses it; unset, agents that name `openai_compatible` go to api.openai.com.
   */
  @IsOptional()
  @IsUrl(HTTP_URL)
  OPENAI_TTS_URL?: string;

  /** Bearer key for OPENAI_TTS_URL (empty: none sent). */
  @Secret()
  @IsOptional()
  @IsString()
  OPENAI_TTS_API_KEY?: string;

  @IsString()
  @MaxLength(100)
  OPENAI_TTS_MODEL = 'tts-1';

  /** Offline engine for `tts_provider: local`, for `auto` when no server is configured, and for the apology when a provider fails. */
  @IsIn(['auto', 'flite', 'espeak-ng'])
  TTS_LOCAL_ENGINE: 'auto' | 'flite' | 'espeak-ng' = 'auto';

  /** A claimed session is let go this long after the gateway's last claim (heartbeat). */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  @Max(120_000)
  TTS_LEASE_MS = 15_000;

  /** Set to 1 by the launcher's `--fake-providers`: the providers are its scripted fakes (shown on the System page). */
  @IsIn(['0', '1'])
  VOXBRIDGE_FAKE_PROVIDERS: '0' | '1' = '0';
}
