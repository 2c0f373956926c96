import { Module } from '@nestjs/common';
import { DeadLetterPolicy } from './dead-letters.policy';
import { DeadLettersMetrics } from './dead-letters.metrics';

/** How every durable consumer of this service dead-letters, and the counter it reports to. */
@Module({ providers: [DeadLettersMetrics, DeadLetterPolicy], exports: [DeadLetterPolicy] })
export class DeadLettersModule {}
