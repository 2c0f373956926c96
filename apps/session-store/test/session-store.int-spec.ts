import { describeServiceBoot } from '@voxbridge/service-testing';
import { AppModule } from '../src/app.module';
import { SessionStoreEnv } from '../src/config/session-store.env';
import { serviceSchema } from '../src/persistence/schema';

describeServiceBoot({ service: 'session-store', env: SessionStoreEnv, module: (config, logger) => AppModule.register(config, logger) }, serviceSchema);
