import { DynamicModule, Module } from '@nestjs/common';
import { AppLogger, PlatformModule } from '@voxbridge/platform';
import { TtsGatewayEnv } from './config/tts-gateway.env';
import { SessionsModule } from './sessions/sessions.module';
import { TtsProviderReport } from './providers/provider-report';

@Module({})
export class AppModule {
  static register(config: TtsGatewayEnv, logger: AppLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'tts-gateway', config, logger }), SessionsModule],
      providers: [TtsProviderReport],
    };
  }
}
