import { Module } from '@nestjs/common';
import { ChangesModule } from '../changes/changes.module';
import { SessionsHandlers } from './sessions.handlers';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

/** Sessions: create, list (cursor pages), get, update, delete; exports the service for agent events. */
@Module({ imports: [ChangesModule], providers: [SessionsRepository, SessionsService, SessionsHandlers], exports: [SessionsService] })
export class SessionsModule {}
