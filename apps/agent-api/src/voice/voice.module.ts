import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { AuthModule } from '../auth/auth.module';
import { SessionsModule } from '../sessions/sessions.module';
import { VoiceController } from './voice.controller';

/** `POST /api/voice/token`: what the web app needs to open webrtc-gateway's voice socket. */
@Module({ imports: [AuthModule, AgentsModule, SessionsModule], controllers: [VoiceController] })
export class VoiceModule {}
