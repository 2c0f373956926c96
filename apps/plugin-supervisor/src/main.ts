import 'reflect-metadata';
import { runService } from '@voxbridge/platform';
import { AppModule } from './app.module';
import { PluginSupervisorEnv } from './config/plugin-supervisor.env';

void runService({ service: 'plugin-supervisor', env: PluginSupervisorEnv, module: (config, logger) => AppModule.register(config, logger) });
