import { describeServiceBoot } from '@voxbridge/service-testing';
import { AppModule } from '../src/app.module';
import { WebrtcGatewayEnv } from '../src/config/webrtc-gateway.env';

describeServiceBoot({ service: 'webrtc-gateway', env: WebrtcGatewayEnv, module: (config, logger) => AppModule.register(config, logger) });
