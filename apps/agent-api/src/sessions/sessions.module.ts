import { Module } from '@nestjs/common';
import { AgentDirectory } from './agent-directory';
import { SessionStoreClient } from './session-store.client';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

/** /api/sessions: REST in front of session-store's bus contract. */
@Module({
  controllers: [SessionsController],
  providers: [SessionsService, SessionStoreClient, AgentDirectory],
})
export class SessionsModule {}
