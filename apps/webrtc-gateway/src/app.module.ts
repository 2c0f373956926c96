import { DynamicModule, Module } from '@nestjs/common';
import { AppLogger, PlatformModule } from '@voxbridge/platform';
import { WebrtcGatewayEnv } from './config/webrtc-gateway.env';
import { VoiceModule } from './voice/voice.module';

@Module({})
export class AppModule {
  static register(config: WebrtcGatewayEnv, logger: AppLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'webrtc-gateway', config, logger }), VoiceModule],
    };
  }
}
