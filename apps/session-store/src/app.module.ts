import { DynamicModule, Module } from '@nestjs/common';
import { AppLogger, PlatformModule } from '@voxbridge/platform';
import { SessionStoreEnv } from './config/session-store.env';
import { serviceSchema } from './persistence/schema';

@Module({})
export class AppModule {
  static register(config: SessionStoreEnv, logger: AppLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'session-store', config, logger, schema: serviceSchema })],
    };
  }
}
