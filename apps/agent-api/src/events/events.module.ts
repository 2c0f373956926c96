import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { SessionsModule } from '../sessions/sessions.module';
import { EventsMetrics } from './events.metrics';
import { LiveEventsBridge } from './live-events.bridge';
import { LiveEventsHub } from './live-events.hub';
import { LiveEventsServer } from './live-events.server';
import { SessionVisibility } from './session-visibility';

/** /ws/events: live agent and session events from the bus, filtered per client. */
@Module({
  imports: [AuthModule, SessionsModule],
  providers: [EventsMetrics, SessionVisibility, LiveEventsHub, LiveEventsBridge, LiveEventsServer],
})
export class EventsModule {}
