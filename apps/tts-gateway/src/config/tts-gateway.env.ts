import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Max, MaxLength, Min } from 'class-validator';
import { SERVICES } from '@voxbridge/contracts';
import { Secret, ServiceEnv } from '@voxbridge/platform';

const HTTP_URL = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/** Environment of tts-gateway (see apps/tts-gateway/README.md). */
export class TtsGatewayEnv extends ServiceEnv {
  override HTTP_PORT = SERVICES['tts-gateway'].defaultPort;

  /** Chatterbox TTS API base URL, for agents with `tts_provider: chatterbox`. */
  @IsUrl(HTTP_URL)
  CHATTERBOX_URL = 'http://127.0.0.1:4123';

  /** OpenAI-compatible speech server (`…/v1/audio/speech`), for agents with `tts_provider: openai_compatible`. */
  @IsUrl(HTTP_URL)
  OPENAI_TTS_URL = 'https://api.openai.com/v1';

  /** Bearer key for OPENAI_TTS_URL (empty: none sent). */
  @Secret()
  @IsOptional()
  @IsString()
  OPENAI_TTS_API_KEY?: string;

  @IsString()
  @MaxLength(100)
  OPENAI_TTS_MODEL = 'tts-1';

  /** Offline engine for `tts_provider: local` and for the apology when a provider fails. */
  @IsIn(['auto', 'flite', 'espeak-ng'])
  TTS_LOCAL_ENGINE: 'auto' | 'flite' | 'espeak-ng' = 'auto';

  /** A claimed session is let go this long after the gateway's last claim (heartbeat). */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  @Max(120_000)
  TTS_LEASE_MS = 15_000;
}
