import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, type BusSubscription } from '@voxbridge/bus';
import { FleetHealthPing, FleetSubjects, type FleetHealthReply } from '@voxbridge/contracts';
import { ReadinessRegistry } from '../health/readiness.registry';
import { ServiceIdentity } from '../service-identity';
import { ProviderReports } from './provider-reports';

/** What this replica says about itself when asked over NATS. */
export async function describeReplica(
  identity: ServiceIdentity,
  readiness: ReadinessRegistry,
  providerReports?: ProviderReports,
): Promise<FleetHealthReply> {
  const report = await readiness.run();
  const providers = providerReports?.report() ?? [];
  return {
    service: identity.service,
    instance_id: identity.instanceId,
    version: identity.version,
    uptime_ms: identity.uptimeMs(),
    status: report.ready ? 'healthy' : 'degraded',
    checks: report.checks,
    ...(providers.length ? { providers } : {}),
  };
}

/**
 * Answers the fleet-wide health census (`fleet.v1.health.ping`). Subscribed without a queue group
 * on purpose: every replica answers, which is how agent-api counts replicas.
 */
@Injectable()
export class FleetResponder implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: BusSubscription | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly identity: ServiceIdentity,
    private readonly readiness: ReadinessRegistry,
    private readonly providerReports: ProviderReports,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.bus.serveJson(FleetSubjects.healthPing, FleetHealthPing, () =>
      describeReplica(this.identity, this.readiness, this.providerReports),
    );
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }
}
