import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { SessionsModule } from '../sessions/sessions.module';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import { ApiKeysController } from './api-keys.controller';
import { CredentialsHandlers } from './credentials.handlers';
import { RateLimitService } from './rate-limit.service';
import { VoiceTokenService } from './voice-token.service';

/**
 * API keys and the global guard: every HTTP route needs `Authorization: Bearer <key>` unless it is
 * `@Public()` (or /health, /ready, /metrics). Exports ApiKeyService for the /ws/events gateway
 * (`authenticate(token)`) and VoiceTokenService (voice tokens); answers `auth.v1.credential.verify` for
 * webrtc-gateway.
 */
@Module({
  imports: [SessionsModule],
  controllers: [ApiKeysController],
  providers: [ApiKeyRepository, ApiKeyService, VoiceTokenService, CredentialsHandlers, RateLimitService, { provide: APP_GUARD, useClass: ApiKeyGuard }],
  exports: [ApiKeyService, VoiceTokenService],
})
export class AuthModule {}
