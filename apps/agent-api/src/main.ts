import 'reflect-metadata';
import { runService } from '@voxbridge/platform';
import { AppModule } from './app.module';
import { AgentApiEnv } from './config/agent-api.env';

void runService({ service: 'agent-api', env: AgentApiEnv, module: (config, logger) => AppModule.register(config, logger) });
