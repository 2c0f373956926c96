import { Module } from '@nestjs/common';
import { ChangesModule } from '../changes/changes.module';
import { MessagesModule } from '../messages/messages.module';
import { HistoryHandlers } from './history.handlers';
import { HistoryService } from './history.service';

/** History for LLM context: last turns within a character budget, briefly cached. */
@Module({ imports: [ChangesModule, MessagesModule], providers: [HistoryService, HistoryHandlers] })
export class HistoryModule {}
