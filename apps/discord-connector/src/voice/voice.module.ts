import { Module } from '@nestjs/common';
import { BotsModule } from '../bots/bots.module';
import { DiscordConversations } from './discord-conversations.service';

/** The bots' voice conversations: audio both ways between a voice channel and its session's pipeline. */
@Module({ imports: [BotsModule], providers: [DiscordConversations] })
export class VoiceModule {}
