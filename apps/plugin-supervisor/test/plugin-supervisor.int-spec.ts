import { describeServiceBoot } from '@voxbridge/service-testing';
import { AppModule } from '../src/app.module';
import { PluginSupervisorEnv } from '../src/config/plugin-supervisor.env';
import { serviceSchema } from '../src/persistence/schema';

describeServiceBoot({ service: 'plugin-supervisor', env: PluginSupervisorEnv, module: (config, logger) => AppModule.register(config, logger) }, serviceSchema);
