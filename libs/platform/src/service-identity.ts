import { randomUUID } from 'node:crypto';
import type { ServiceName } from '@voxbridge/contracts';
import { fleetVersion } from './version';

/** Who this process is: service name, a per-process instance id, version and start time. */
export class ServiceIdentity {
  readonly instanceId = randomUUID();
  readonly version = fleetVersion();
  private readonly startedAtMs = Date.now();

  constructor(
    readonly service: ServiceName,
    readonly namespace: string,
  ) {}

  uptimeMs(): number {
    return Date.now() - this.startedAtMs;
  }

  describe() {
    return {
      service: this.service,
      instance_id: this.instanceId,
      version: this.version,
      namespace: this.namespace,
      uptime_ms: this.uptimeMs(),
    };
  }
}
