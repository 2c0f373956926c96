import { Injectable } from '@nestjs/common';
import { MetricsService } from '@voxbridge/platform';
import { Counter, Gauge } from 'prom-client';

/** Prometheus series of /ws/events. */
@Injectable()
export class EventsMetrics {
  readonly connectedClients: Gauge;
  readonly droppedSlowClients: Counter;

  constructor(metrics: MetricsService) {
    this.connectedClients = new Gauge({ name: 'ws_events_clients', help: 'Connected /ws/events clients', registers: [metrics.registry] });
    this.droppedSlowClients = new Counter({
      name: 'ws_events_slow_clients_dropped_total',
      help: '/ws/events clients disconnected because their unsent backlog passed WS_EVENTS_MAX_BUFFER_KB',
      registers: [metrics.registry],
    });
  }
}
