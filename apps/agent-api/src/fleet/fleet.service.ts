import { Injectable } from '@nestjs/common';
import { Bus } from '@voxbridge/bus';
import { FleetHealthReply, FleetSubjects, type FleetHealthReport } from '@voxbridge/contracts';
import { randomUUID } from 'node:crypto';
import { AgentApiEnv } from '../config/agent-api.env';
import { everyServiceAnswered, fleetReport } from './fleet-report';

@Injectable()
export class FleetService {
  constructor(
    private readonly bus: Bus,
    private readonly config: AgentApiEnv,
  ) {}

  /**
   * Asks every replica of every service at once and waits until all eight services answered (plus a
   * short grace for further replicas) or the timeout passed, whichever is first.
   */
  async health(): Promise<FleetHealthReport> {
    const replies = await this.bus.gather(FleetSubjects.healthPing, { request_id: randomUUID() }, FleetHealthReply, {
      maxWaitMs: this.config.FLEET_HEALTH_TIMEOUT_MS,
      graceMs: this.config.FLEET_HEALTH_GRACE_MS,
      until: everyServiceAnswered,
    });
    return fleetReport(this.bus.namespace, replies, new Date());
  }
}
