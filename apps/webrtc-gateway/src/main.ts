import 'reflect-metadata';
import { runService } from '@voxbridge/platform';
import { AppModule } from './app.module';
import { WebrtcGatewayEnv } from './config/webrtc-gateway.env';

void runService({ service: 'webrtc-gateway', env: WebrtcGatewayEnv, module: (config, logger) => AppModule.register(config, logger) });
