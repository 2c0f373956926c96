import { Module } from '@nestjs/common';
import { AgentsModule } from '../../agents/agents.module';
import { DiscordVoiceController } from './discord-voice.controller';
import { DiscordVoiceService } from './discord-voice.service';

/** `/api/plugins/discord/voice/*`: the agents' Discord bots, run by discord-connector. */
@Module({ imports: [AgentsModule], controllers: [DiscordVoiceController], providers: [DiscordVoiceService] })
export class DiscordPluginModule {}
