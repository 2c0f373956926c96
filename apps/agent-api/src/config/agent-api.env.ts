import { SERVICES } from '@voxbridge/contracts';
import { DatabaseServiceEnv } from '@voxbridge/platform';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

/** Environment of agent-api (see apps/agent-api/README.md). */
export class AgentApiEnv extends DatabaseServiceEnv {
  override HTTP_PORT = SERVICES['agent-api'].defaultPort;

  /** How long `GET /api/fleet/health` waits for a service before calling it unreachable. */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(10_000)
  FLEET_HEALTH_TIMEOUT_MS = 1_000;

  /** After every service has answered, how long to keep listening for more replicas. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000)
  FLEET_HEALTH_GRACE_MS = 50;
}
