import { DynamicModule, Module } from '@nestjs/common';
import { AppLogger, PlatformModule } from '@voxbridge/platform';
import { AgentApiEnv } from './config/agent-api.env';
import { FleetModule } from './fleet/fleet.module';
import { serviceSchema } from './persistence/schema';

@Module({})
export class AppModule {
  static register(config: AgentApiEnv, logger: AppLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'agent-api', config, logger, schema: serviceSchema }), FleetModule],
    };
  }
}
