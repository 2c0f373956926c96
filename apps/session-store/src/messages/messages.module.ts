import { Module } from '@nestjs/common';
import { ChangesModule } from '../changes/changes.module';
import { MessagesHandlers } from './messages.handlers';
import { MessagesRepository } from './messages.repository';
import { MessagesService } from './messages.service';

/** Messages of a session: list, append, and the idempotent turn write the turns feature calls. */
@Module({ imports: [ChangesModule], providers: [MessagesRepository, MessagesService, MessagesHandlers], exports: [MessagesService] })
export class MessagesModule {}
