import { Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Bus, type BusSubscription } from '@voxbridge/bus';
import { AuthSubjects, KeyRevokedEvent } from '@voxbridge/contracts';
import { LIVE_EVENT_ROUTES, liveEventOf } from './live-events';
import { LiveEventsHub } from './live-events.hub';

/**
 * One bus subscription per route for this replica (never per client, and no queue group: every
 * replica relays to its own clients); messages are decoded only while a client is connected. Agent events are durable on JetStream, but a plain
 * subscription sees them live, which is all /ws/events promises.
 */
@Injectable()
export class LiveEventsBridge implements OnModuleInit, BeforeApplicationShutdown {
  private subscriptions: BusSubscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly hub: LiveEventsHub,
  ) {}

  onModuleInit(): void {
    // With no client connected, nothing is decoded: every session's reply deltas and transcripts
    // pass through here, and validating them for nobody was agent-api's main cost under voice load.
    const wanted = () => this.hub.clientCount > 0;
    this.subscriptions = LIVE_EVENT_ROUTES.map((route) =>
      this.bus.subscribeJson(
        route.subject,
        route.type,
        (value) => {
          const event = liveEventOf(route, value);
          if (event) this.hub.publish(event, route.scope(value), route.data(value));
        },
        { wanted },
      ),
    );
    // Any replica's revocation closes this replica's sockets of that key.
    this.subscriptions.push(this.bus.subscribeJson(AuthSubjects.keyRevoked, KeyRevokedEvent, (event) => {
        this.hub.closeKey(event.key_id.toLowerCase());
      }),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    const subscriptions = this.subscriptions;
    this.subscriptions = [];
    for (const subscription of subscriptions) subscription.unsubscribe();
    await Promise.all(subscriptions.map((subscription) => subscription.closed));
  }
}
