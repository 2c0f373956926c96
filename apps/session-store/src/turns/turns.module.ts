import { Module } from '@nestjs/common';
import { DeadLettersModule } from '../dead-letters/dead-letters.module';
import { MessagesModule } from '../messages/messages.module';
import { TurnsHandlers } from './turns.handlers';
import { TurnsMetrics } from './turns.metrics';
import { TurnsService } from './turns.service';

/** Committed turns from JetStream, written once per turn id. */
@Module({ imports: [MessagesModule, DeadLettersModule], providers: [TurnsMetrics, TurnsService, TurnsHandlers] })
export class TurnsModule {}
