import { DynamicModule, Module } from '@nestjs/common';
import { AppLogger, PlatformModule } from '@voxbridge/platform';
import { SttGatewayEnv } from './config/stt-gateway.env';
import { SttSessionsModule } from './sessions/sessions.module';
import { SttProviderReport } from './providers/provider-report';

@Module({})
export class AppModule {
  static register(config: SttGatewayEnv, logger: AppLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'stt-gateway', config, logger }), SttSessionsModule],
      providers: [SttProviderReport],
    };
  }
}
