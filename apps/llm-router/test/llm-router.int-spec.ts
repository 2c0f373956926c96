import { describeServiceBoot } from '@voxbridge/service-testing';
import { AppModule } from '../src/app.module';
import { LlmRouterEnv } from '../src/config/llm-router.env';
import { serviceSchema } from '../src/persistence/schema';

describeServiceBoot({ service: 'llm-router', env: LlmRouterEnv, module: (config, logger) => AppModule.register(config, logger) }, serviceSchema);
