import 'reflect-metadata';
import { runService } from '@voxbridge/platform';
import { AppModule } from './app.module';
import { SttGatewayEnv } from './config/stt-gateway.env';

void runService({ service: 'stt-gateway', env: SttGatewayEnv, module: (config, logger) => AppModule.register(config, logger) });
