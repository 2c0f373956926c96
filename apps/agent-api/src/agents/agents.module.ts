import { Module } from '@nestjs/common';
import { AgentEventsPublisher } from './agent-events.publisher';
import { AgentsController } from './agents.controller';
import { AgentsHandlers } from './agents.handlers';
import { AgentsRepository } from './agents.repository';
import { AgentsSeeder } from './agents.seeder';
import { AgentsService } from './agents.service';
import { DiscordBotsHandlers } from './discord-bots.handlers';
import { PluginSecretsService } from './secrets/plugin-secrets.service';

@Module({
  controllers: [AgentsController],
  providers: [AgentsService, AgentsHandlers, AgentsRepository, AgentEventsPublisher, AgentsSeeder, PluginSecretsService, DiscordBotsHandlers],
  exports: [AgentsService],
})
export class AgentsModule {}
