import { Controller, Get } from '@nestjs/common';
import type { FleetHealthReport } from '@voxbridge/contracts';
import { FleetService } from './fleet.service';

@Controller('api/fleet')
export class FleetController {
  constructor(private readonly fleet: FleetService) {}

  /** Status, version, uptime and replica count of each of the eight services, asked over NATS. */
  @Get('health')
  health(): Promise<FleetHealthReport> {
    return this.fleet.health();
  }
}
