import { ApiProperty } from '@nestjs/swagger';
import { INSTANCE_STATUSES, SERVICE_NAMES, type FleetHealthReport, type FleetServiceHealth } from '@voxbridge/contracts';

/** OpenAPI description of `GET /api/fleet/health` (the shapes live in libs/contracts). */
class FleetInstanceDoc {
  @ApiProperty({ enum: SERVICE_NAMES, example: 'stt-gateway' }) service!: string;
  @ApiProperty({ format: 'uuid' }) instance_id!: string;
  @ApiProperty({ example: '0.1.0' }) version!: string;
  @ApiProperty({ example: 41250, description: 'milliseconds since the replica started' }) uptime_ms!: number;
  @ApiProperty({ enum: INSTANCE_STATUSES }) status!: string;
  @ApiProperty({ example: { nats: 'up', database: 'up' }, description: 'readiness checks: `up` or `down: <reason>`' })
  checks!: Record<string, string>;
}

class FleetServiceDoc implements Omit<FleetServiceHealth, 'instances' | 'name' | 'status'> {
  @ApiProperty({ enum: SERVICE_NAMES, example: 'session-store' }) name!: string;
  @ApiProperty({ enum: [...INSTANCE_STATUSES, 'unreachable'], description: '`unreachable`: no replica answered in time' })
  status!: string;
  @ApiProperty({ type: String, nullable: true, example: '0.1.0' }) version!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 41250 }) uptime_ms!: number | null;
  @ApiProperty({ example: 1 }) replicas!: number;
  @ApiProperty({ type: [FleetInstanceDoc] }) instances!: FleetInstanceDoc[];
}

export class FleetHealthDoc implements Omit<FleetHealthReport, 'services' | 'status'> {
  @ApiProperty({ enum: ['healthy', 'degraded'] }) status!: string;
  @ApiProperty({ example: 'vb' }) namespace!: string;
  @ApiProperty({ format: 'date-time' }) checked_at!: string;
  @ApiProperty({ type: [FleetServiceDoc] }) services!: FleetServiceDoc[];
}
