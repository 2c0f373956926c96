import 'reflect-metadata';
import { runService } from '@voxbridge/platform';
import { AppModule } from './app.module';
import { TtsGatewayEnv } from './config/tts-gateway.env';

void runService({ service: 'tts-gateway', env: TtsGatewayEnv, module: (config, logger) => AppModule.register(config, logger) });
