import { Module } from '@nestjs/common';
import { DeadLettersModule } from '../dead-letters/dead-letters.module';
import { MessagesModule } from '../messages/messages.module';
import { TurnFactsHandlers } from './turn-facts.handlers';
import { TurnFactsRepository } from './turn-facts.repository';
import { TurnFactsService } from './turn-facts.service';
import { TurnsHandlers } from './turns.handlers';
import { TurnsMetrics } from './turns.metrics';
import { TurnsService } from './turns.service';

/** Turns from JetStream — text turns as committed, voice turns assembled from their facts — written once per turn id. */
@Module({
  imports: [MessagesModule, DeadLettersModule],
  providers: [TurnsMetrics, TurnsService, TurnsHandlers, TurnFactsRepository, TurnFactsService, TurnFactsHandlers],
})
export class TurnsModule {}
