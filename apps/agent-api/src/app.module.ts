import { DynamicModule, Module } from '@nestjs/common';
import { AppLogger, PlatformModule } from '@voxbridge/platform';
import { AgentsModule } from './agents/agents.module';
import { AuthModule } from './auth/auth.module';
import { ChatModule } from './chat/chat.module';
import { AgentApiEnv } from './config/agent-api.env';
import { EventsModule } from './events/events.module';
import { FleetModule } from './fleet/fleet.module';
import { serviceSchema } from './persistence/schema';
import { DiscordPluginModule } from './plugins/discord/discord-plugin.module';
import { PluginsModule } from './plugins/plugins.module';
import { SessionsModule } from './sessions/sessions.module';
import { VoiceModule } from './voice/voice.module';

@Module({})
export class AppModule {
  static register(config: AgentApiEnv, logger: AppLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forService({ service: 'agent-api', config, logger, schema: serviceSchema }),
        AuthModule,
        AgentsModule,
        SessionsModule,
        ChatModule,
        EventsModule,
        FleetModule,
        VoiceModule,
        DiscordPluginModule,
        PluginsModule,
      ],
    };
  }
}
