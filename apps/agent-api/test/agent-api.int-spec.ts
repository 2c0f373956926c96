import { describeServiceBoot } from '@voxbridge/service-testing';
import { AppModule } from '../src/app.module';
import { configureHttp } from '../src/http/configure-http';
import { AgentApiEnv } from '../src/config/agent-api.env';
import { serviceSchema } from '../src/persistence/schema';

describeServiceBoot({ service: 'agent-api', env: AgentApiEnv, module: (config, logger) => AppModule.register(config, logger), configure: configureHttp }, serviceSchema);
