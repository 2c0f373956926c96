import { Module } from '@nestjs/common';
import { DeadLettersModule } from '../dead-letters/dead-letters.module';
import { SessionsModule } from '../sessions/sessions.module';
import { AgentEventsHandlers } from './agent-events.handlers';

/** Reacts to agent-api's durable agent events. */
@Module({ imports: [SessionsModule, DeadLettersModule], providers: [AgentEventsHandlers] })
export class AgentEventsModule {}
