import { SERVICES } from '@voxbridge/contracts';
import { ServiceEnv } from '@voxbridge/platform';

/** Environment of stt-gateway (see apps/stt-gateway/README.md). */
export class SttGatewayEnv extends ServiceEnv {
  override HTTP_PORT = SERVICES['stt-gateway'].defaultPort;
}
