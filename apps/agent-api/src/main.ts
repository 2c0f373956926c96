import 'reflect-metadata';
import { runService } from '@voxbridge/platform';
import { AppModule } from './app.module';
import { AgentApiEnv } from './config/agent-api.env';
import { configureHttp } from './http/configure-http';

void runService({
  service: 'agent-api',
  env: AgentApiEnv,
  module: (config, logger) => AppModule.register(config, logger),
  configure: configureHttp,
});
