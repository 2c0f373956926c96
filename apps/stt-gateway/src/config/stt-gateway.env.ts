import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { SERVICES } from '@voxbridge/contracts';
import { Secret, ServiceEnv } from '@voxbridge/platform';

/** Environment of stt-gateway (see apps/stt-gateway/README.md). */
export class SttGatewayEnv extends ServiceEnv {
  override HTTP_PORT = SERVICES['stt-gateway'].defaultPort;

  /** A session lapses this long after the last claim heartbeat (the JetStream KV bucket's TTL). */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  @Max(120_000)
  STT_LEASE_MS = 15_000;

  /** A named speaker (`Vb-Speaker-Id`) without frames for this long is closed; its next frame opens it again. */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  @Max(3_600_000)
  STT_SPEAKER_IDLE_MS = 30_000;

  /** Speakers transcribed at once per session; frames of one more are dropped and reported (`stt_too_many_speakers`). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(256)
  STT_MAX_SPEAKERS_PER_SESSION = 16;

  /** WhisperX streaming server (`ws://whisperx:4901`), for agents with `stt_provider: whisperx`; when set, also what `auto` uses. */
  @IsOptional()
  @Matches(/^wss?:\/\/\S+$/, { message: 'must be a ws:// or wss:// URL' })
  WHISPERX_URL?: string;

  /** Root of an OpenAI-compatible server, without `/v1`, for `stt_provider: openai_compatible`; `auto` uses it when WHISPERX_URL is unset. */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http:// or https:// URL' })
  STT_OPENAI_BASE_URL?: string;

  @IsString()
  STT_OPENAI_MODEL = 'whisper-1';

  @Secret()
  @IsOptional()
  @IsString()
  STT_OPENAI_API_KEY?: string;

  /** The pocketsphinx executable for `stt_provider: local`, and for `auto` when neither URL above is set (name on PATH or a path). */
  @IsString()
  STT_LOCAL_BINARY = 'pocketsphinx_continuous';

  /** Set to 1 by the launcher's `--fake-providers`: the providers are its scripted fakes (shown on the System page). */
  @IsIn(['0', '1'])
  VOXBRIDGE_FAKE_PROVIDERS: '0' | '1' = '0';
}
