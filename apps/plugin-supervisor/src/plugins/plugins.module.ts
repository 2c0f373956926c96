import { Module } from '@nestjs/common';
import { PluginRunsRepository } from './plugin-runs.repository';
import { PluginsHandlers } from './plugins.handlers';
import { PluginsService } from './plugins.service';

/** The agents' generic plugins: leases, child processes, limits, hooks. */
@Module({ providers: [PluginsService, PluginsHandlers, PluginRunsRepository] })
export class PluginsModule {}
