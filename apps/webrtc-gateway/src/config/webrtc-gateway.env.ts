import { SERVICES } from '@voxbridge/contracts';
import { ServiceEnv } from '@voxbridge/platform';

/** Environment of webrtc-gateway (see apps/webrtc-gateway/README.md). */
export class WebrtcGatewayEnv extends ServiceEnv {
  override HTTP_PORT = SERVICES['webrtc-gateway'].defaultPort;
}
