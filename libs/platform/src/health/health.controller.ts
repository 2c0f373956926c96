import { Controller, Get, Header, HttpStatus, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ServiceIdentity } from '../service-identity';
import { MetricsService } from './metrics.service';
import { ReadinessRegistry } from './readiness.registry';

/** `/health` (alive), `/ready` (can work: NATS, database...) and `/metrics` (Prometheus) — no key needed. */
@Controller()
export class HealthController {
  constructor(
    private readonly identity: ServiceIdentity,
    private readonly readiness: ReadinessRegistry,
    private readonly metrics: MetricsService,
  ) {}

  @Get('health')
  health() {
    return { status: 'ok', ...this.identity.describe() };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) response: Response) {
    const report = await this.readiness.run();
    response.status(report.ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: report.ready ? 'ready' : 'not_ready', service: this.identity.service, checks: report.checks };
  }

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async metricsText(@Res() response: Response): Promise<void> {
    response.setHeader('Content-Type', this.metrics.contentType);
    response.send(await this.metrics.render());
  }
}
