import { ApiProperty } from '@nestjs/swagger';
import { INSTANCE_STATUSES, PROVIDER_STAGES, SERVICE_NAMES, type FleetHealthReport, type FleetServiceHealth } from '@voxbridge/contracts';

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

class ProviderStateDoc {
  @ApiProperty({ enum: PROVIDER_STAGES }) stage!: string;
  @ApiProperty({ example: 'auto' }) kind!: string;
  @ApiProperty({ example: 'ollama', description: 'what `kind` resolves to on the worker now' }) resolved!: string;
  @ApiProperty({ example: 'http://127.0.0.1:11434/v1', description: 'URL without credentials, or `local`' }) target!: string;
  @ApiProperty({ type: Boolean, nullable: true, description: 'null: not checked yet (checks are cached for 30 s)' })
  reachable!: boolean | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) checked_at!: string | null;
  @ApiProperty({ required: false, description: "the launcher's fake providers" }) fake?: boolean;
  @ApiProperty({ required: false, example: 'ECONNREFUSED' }) detail?: string;
}

export class FleetHealthDoc implements Omit<FleetHealthReport, 'services' | 'status' | 'providers'> {
  @ApiProperty({ enum: ['healthy', 'degraded'] }) status!: string;
  @ApiProperty({ example: 'vb' }) namespace!: string;
  @ApiProperty({ format: 'date-time' }) checked_at!: string;
  @ApiProperty({ type: [FleetServiceDoc] }) services!: FleetServiceDoc[];
  @ApiProperty({ type: [ProviderStateDoc], description: 'the pipeline providers; `degraded` when a stage has none that answers' })
  providers!: ProviderStateDoc[];
  @ApiProperty({ description: "the workers use the launcher's fake providers" }) fake_providers!: boolean;
}
