import 'reflect-metadata';
import { runService } from '@voxbridge/platform';
import { AppModule } from './app.module';
import { SessionStoreEnv } from './config/session-store.env';

void runService({ service: 'session-store', env: SessionStoreEnv, module: (config, logger) => AppModule.register(config, logger) });
