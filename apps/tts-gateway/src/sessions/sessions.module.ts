import { Module } from '@nestjs/common';
import { AgentDirectory } from './agent-voice';
import { SessionMedia } from './session-media';
import { SessionsMetrics } from './sessions.metrics';
import { SessionsService } from './sessions.service';
import { TtsProviderRegistry } from './tts-provider.registry';

/** Claimed voice sessions: reply text in, paced `audio.out` frames and `turn` events out. */
@Module({
  providers: [SessionsMetrics, AgentDirectory, TtsProviderRegistry, SessionMedia, SessionsService],
})
export class SessionsModule {}
