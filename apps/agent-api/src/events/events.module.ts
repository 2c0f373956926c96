import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { EventsMetrics } from './events.metrics';
import { LiveEventsBridge } from './live-events.bridge';
import { LiveEventsHub } from './live-events.hub';
import { LiveEventsServer } from './live-events.server';

/** /ws/events: live agent and session events from the bus, filtered per client. */
@Module({
  imports: [AuthModule],
  providers: [EventsMetrics, LiveEventsHub, LiveEventsBridge, LiveEventsServer],
})
export class EventsModule {}
