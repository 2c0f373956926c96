import 'reflect-metadata';
import { runService } from '@voxbridge/platform';
import { AppModule } from './app.module';
import { DiscordConnectorEnv } from './config/discord-connector.env';

void runService({ service: 'discord-connector', env: DiscordConnectorEnv, module: (config, logger) => AppModule.register(config, logger) });
