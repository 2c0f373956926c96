import { describeServiceBoot } from '@voxbridge/service-testing';
import { AppModule } from '../src/app.module';
import { SttGatewayEnv } from '../src/config/stt-gateway.env';

describeServiceBoot({ service: 'stt-gateway', env: SttGatewayEnv, module: (config, logger) => AppModule.register(config, logger) });
