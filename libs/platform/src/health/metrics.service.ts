import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** This process's Prometheus registry: default process metrics, event-loop lag, and the service's own. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  constructor(service: string, namespace: string) {
    this.registry.setDefaultLabels({ service, namespace });
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
