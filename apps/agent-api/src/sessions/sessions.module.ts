import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AgentDirectory } from './agent-directory';
import { SessionAccessInterceptor } from './session-access.interceptor';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

/** /api/sessions: REST in front of session-store's bus contract, and who may reach which session. */
@Module({
  controllers: [SessionsController],
  providers: [SessionsService, AgentDirectory, { provide: APP_INTERCEPTOR, useClass: SessionAccessInterceptor }],
  exports: [SessionsService],
})
export class SessionsModule {}
