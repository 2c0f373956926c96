import { Module } from '@nestjs/common';
import { AgentDirectory } from './agent-voice';
import { LeaseBook } from './lease-book';
import { SessionMedia } from './session-media';
import { SessionsHandlers } from './sessions.handlers';
import { SessionsMetrics } from './sessions.metrics';
import { SessionsService } from './sessions.service';
import { TtsProviderRegistry } from './tts-provider.registry';

/** Claimed voice sessions: reply text in, paced `audio.out` frames and `turn` events out. */
@Module({
  providers: [SessionsMetrics, AgentDirectory, TtsProviderRegistry, LeaseBook, SessionMedia, SessionsService, SessionsHandlers],
})
export class SessionsModule {}
