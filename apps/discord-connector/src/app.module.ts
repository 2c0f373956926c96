import { DynamicModule, Module } from '@nestjs/common';
import { AppLogger, PlatformModule } from '@voxbridge/platform';
import { BotsModule } from './bots/bots.module';
import { DiscordConnectorEnv } from './config/discord-connector.env';
import { serviceSchema } from './persistence/schema';
import { VoiceModule } from './voice/voice.module';

@Module({})
export class AppModule {
  static register(config: DiscordConnectorEnv, logger: AppLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'discord-connector', config, logger, schema: serviceSchema }), BotsModule, VoiceModule],
    };
  }
}
