import 'reflect-metadata';
import { runService } from '@voxbridge/platform';
import { AppModule } from './app.module';
import { LlmRouterEnv } from './config/llm-router.env';

void runService({ service: 'llm-router', env: LlmRouterEnv, module: (config, logger) => AppModule.register(config, logger) });
