import { SERVICE_NAMES, type ServiceName } from '@voxbridge/contracts';
import type { ServiceReplica } from './config';

/** Which processes of the fleet answer /ready; a service is ready when all its replicas are. */
export class FleetReadiness {
  private readonly readyNow = new Set<string>();

  constructor(private readonly plan: ReadonlyArray<Pick<ServiceReplica, 'service' | 'name'>>) {}

  ready(name: string): void {
    this.readyNow.add(name);
  }

  /** It crashed or refused its configuration. */
  lost(name: string): void {
    this.readyNow.delete(name);
  }

  /** Services with every replica ready, in fleet order. */
  readyServices(): ServiceName[] {
    return SERVICE_NAMES.filter((service) => this.plan.every((p) => p.service !== service || this.readyNow.has(p.name)));
  }

  /** Names of the processes not ready yet, in fleet order. */
  waiting(): string[] {
    return this.plan.filter(({ name }) => !this.readyNow.has(name)).map(({ name }) => name);
  }

  get complete(): boolean {
    return this.waiting().length === 0;
  }
}
