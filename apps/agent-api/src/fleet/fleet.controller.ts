import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FleetHealthReport } from '@voxbridge/contracts';
import { FleetHealthDoc } from './fleet-health.dto';
import { FleetService } from './fleet.service';

@ApiTags('fleet')
@Controller('api/fleet')
export class FleetController {
  constructor(private readonly fleet: FleetService) {}

  @Get('health')
  @ApiOperation({
    summary: 'Health of every service of the fleet',
    description:
      'Asks every replica of every service over NATS at once. Answers as soon as all eight services replied ' +
      '(plus a short grace for more replicas); a service silent for FLEET_HEALTH_TIMEOUT_MS (1 s) is `unreachable`.',
  })
  @ApiOkResponse({ type: FleetHealthDoc })
  @ApiUnauthorizedResponse({ description: 'missing or invalid API key' })
  health(): Promise<FleetHealthReport> {
    return this.fleet.health();
  }
}
