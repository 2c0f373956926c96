import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module';
import { AgentEventsHandlers } from './agent-events.handlers';

/** Reacts to agent-api's durable agent events. */
@Module({ imports: [SessionsModule], providers: [AgentEventsHandlers] })
export class AgentEventsModule {}
