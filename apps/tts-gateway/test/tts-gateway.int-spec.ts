import { describeServiceBoot } from '@voxbridge/service-testing';
import { AppModule } from '../src/app.module';
import { TtsGatewayEnv } from '../src/config/tts-gateway.env';

describeServiceBoot({ service: 'tts-gateway', env: TtsGatewayEnv, module: (config, logger) => AppModule.register(config, logger) });
