import { describeServiceBoot } from '@voxbridge/service-testing';
import { AppModule } from '../src/app.module';
import { DiscordConnectorEnv } from '../src/config/discord-connector.env';
import { serviceSchema } from '../src/persistence/schema';

describeServiceBoot({ service: 'discord-connector', env: DiscordConnectorEnv, module: (config, logger) => AppModule.register(config, logger) }, serviceSchema);
