import { Module } from '@nestjs/common';
import { ChangesModule } from '../changes/changes.module';
import { IdleSessionsSweeper } from './idle-sessions';
import { SessionsHandlers } from './sessions.handlers';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

/** Sessions: create, list (cursor pages, search), get, update, delete, the end of abandoned ones; exports the service for agent events. */
@Module({ imports: [ChangesModule], providers: [SessionsRepository, SessionsService, SessionsHandlers, IdleSessionsSweeper], exports: [SessionsService] })
export class SessionsModule {}
