import { Controller, type Type } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { controlSubject, SERVICES, type FleetHealthReply, type ServiceName } from '@voxbridge/contracts';
import { ReadinessRegistry } from '../health/readiness.registry';
import { ServiceIdentity } from '../service-identity';
import { describeReplica } from './fleet-responder';
import { ProviderReports } from './provider-reports';

/** The subject on which one replica of `service` (its queue group picks which) answers a ping. */
export function servicePingSubject(service: ServiceName) {
  return controlSubject(SERVICES[service].domain, 'service', 'ping');
}

/**
 * A control-plane ping through Nest's NATS transport and the service's queue group:
 * `<domain>.v1.service.ping` (e.g. `sessions.v1.service.ping`), answered by one replica.
 */
export function servicePingController(service: ServiceName): Type<unknown> {
  @Controller()
  class ServicePingController {
    constructor(
      private readonly identity: ServiceIdentity,
      private readonly readiness: ReadinessRegistry,
      private readonly providerReports: ProviderReports,
    ) {}

    @MessagePattern(servicePingSubject(service))
    ping(): Promise<FleetHealthReply> {
      return describeReplica(this.identity, this.readiness, this.providerReports);
    }
  }
  return ServicePingController;
}
