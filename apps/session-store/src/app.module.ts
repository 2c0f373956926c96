import { DynamicModule, Module } from '@nestjs/common';
import { AppLogger, PlatformModule } from '@voxbridge/platform';
import { AgentEventsModule } from './agents/agent-events.module';
import { SessionStoreEnv } from './config/session-store.env';
import { HistoryModule } from './history/history.module';
import { MessagesModule } from './messages/messages.module';
import { serviceSchema } from './persistence/schema';
import { SessionsModule } from './sessions/sessions.module';
import { TurnsModule } from './turns/turns.module';

@Module({})
export class AppModule {
  static register(config: SessionStoreEnv, logger: AppLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forService({ service: 'session-store', config, logger, schema: serviceSchema }),
        SessionsModule,
        MessagesModule,
        TurnsModule,
        HistoryModule,
        AgentEventsModule,
      ],
    };
  }
}
