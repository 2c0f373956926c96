import { DynamicModule, Module } from '@nestjs/common';
import { AppLogger, PlatformModule } from '@voxbridge/platform';
import { PluginSupervisorEnv } from './config/plugin-supervisor.env';
import { serviceSchema } from './persistence/schema';
import { PluginsModule } from './plugins/plugins.module';

@Module({})
export class AppModule {
  static register(config: PluginSupervisorEnv, logger: AppLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'plugin-supervisor', config, logger, schema: serviceSchema }), PluginsModule],
    };
  }
}
