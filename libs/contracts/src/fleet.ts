import { IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Matches, Min } from 'class-validator';
import { SERVICE_NAMES, type ServiceName } from './services';

export const INSTANCE_STATUSES = ['healthy', 'degraded'] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];
export type ServiceStatus = InstanceStatus | 'unreachable';

/** One replica's answer to `fleet.v1.health.ping`. */
export class FleetHealthReply {
  @IsIn(SERVICE_NAMES)
  service!: ServiceName;

  @IsUUID()
  instance_id!: string;

  @IsString()
  @Matches(/^\d+\.\d+\.\d+/)
  version!: string;

  @IsInt()
  @Min(0)
  uptime_ms!: number;

  @IsIn(INSTANCE_STATUSES)
  status!: InstanceStatus;

  /** Named readiness checks of the replica: `{nats: 'up', database: 'down: ...'}`. */
  @IsObject()
  checks!: Record<string, string>;
}

/** Per-service entry of `GET /api/fleet/health`. */
export interface FleetServiceHealth {
  name: ServiceName;
  status: ServiceStatus;
  /** Version of the newest replica, or null when unreachable. */
  version: string | null;
  /** Uptime of the longest-running replica, or null when unreachable. */
  uptime_ms: number | null;
  replicas: number;
  instances: FleetHealthReply[];
}

/** `GET /api/fleet/health`: the fleet is healthy only when every service is. */
export interface FleetHealthReport {
  status: 'healthy' | 'degraded';
  namespace: string;
  checked_at: string;
  services: FleetServiceHealth[];
}

/** Body of `fleet.v1.health.ping`. */
export class FleetHealthPing {
  @IsOptional()
  @IsUUID()
  request_id?: string;
}
