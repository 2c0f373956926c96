import { SERVICES } from '@voxbridge/contracts';
import { ServiceEnv } from '@voxbridge/platform';

/** Environment of tts-gateway (see apps/tts-gateway/README.md). */
export class TtsGatewayEnv extends ServiceEnv {
  override HTTP_PORT = SERVICES['tts-gateway'].defaultPort;
}
