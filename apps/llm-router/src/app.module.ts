import { DynamicModule, Module } from '@nestjs/common';
import { AppLogger, PlatformModule } from '@voxbridge/platform';
import { LlmRouterEnv } from './config/llm-router.env';
import { serviceSchema } from './persistence/schema';
import { TurnsModule } from './turns/turns.module';
import { LlmProviderReport } from './providers/provider-report';

@Module({})
export class AppModule {
  static register(config: LlmRouterEnv, logger: AppLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'llm-router', config, logger, schema: serviceSchema }), TurnsModule],
      providers: [LlmProviderReport],
    };
  }
}
