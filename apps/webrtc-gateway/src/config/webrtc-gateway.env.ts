import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { SERVICES } from '@voxbridge/contracts';
import { ServiceEnv } from '@voxbridge/platform';

/** Environment of webrtc-gateway (see apps/webrtc-gateway/README.md). */
export class WebrtcGatewayEnv extends ServiceEnv {
  override HTTP_PORT = SERVICES['webrtc-gateway'].defaultPort;

  /** Lease asked for in the stt / llm / tts claims; each socket renews its claims every lease / 3. */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  @Max(120_000)
  VOICE_LEASE_MS = 15_000;

  /** WebSocket ping interval; a client that has not answered the previous ping by the next one is cut off. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(120_000)
  VOICE_PING_INTERVAL_MS = 10_000;

  /** Unsent output a client may lag behind, in ms of 24 kHz audio; beyond it the socket is closed (1013). */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(30_000)
  VOICE_MAX_BUFFERED_MS = 1_000;
}
