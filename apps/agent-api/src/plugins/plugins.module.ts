import { Module } from '@nestjs/common';
import { AgentsRepository } from '../agents/agents.repository';
import { PluginConfigsHandlers } from '../agents/plugin-configs.handlers';
import { PluginsController } from './plugins.controller';
import { PluginsService } from './plugins.service';

/**
 * The agents' generic plugins: their configs for plugin-supervisor (secrets still encrypted) and
 * `/api/plugins` (runtime state gathered from the supervisors).
 */
@Module({ controllers: [PluginsController], providers: [AgentsRepository, PluginConfigsHandlers, PluginsService] })
export class PluginsModule {}
