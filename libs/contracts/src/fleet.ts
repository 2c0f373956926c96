import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsISO8601, IsObject, IsOptional, IsString, IsUUID, Matches, MaxLength, Min, ValidateNested } from 'class-validator';
import { SERVICE_NAMES, type ServiceName } from './services';

export const INSTANCE_STATUSES = ['healthy', 'degraded'] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];
export type ServiceStatus = InstanceStatus | 'unreachable';

export const PROVIDER_STAGES = ['stt', 'llm', 'tts'] as const;
export type ProviderStage = (typeof PROVIDER_STAGES)[number];

/**
 * What a pipeline worker's `auto` provider stands for right now and whether it answers (a cached,
 * cheap reachability check: an HTTP request to the server, or the local engine found on PATH).
 */
export class ProviderState {
  @IsIn(PROVIDER_STAGES)
  stage!: ProviderStage;

  /** What was asked for: `auto`. */
  @IsString()
  @MaxLength(40)
  kind!: string;

  /** The provider `kind` resolves to: `whisperx`, `openrouter`, `ollama`, `chatterbox`, `local`, … */
  @IsString()
  @MaxLength(40)
  resolved!: string;

  /** Where it is: a URL without credentials, or `local` for an engine on this machine. */
  @IsString()
  @MaxLength(300)
  target!: string;

  /** true: answered; false: did not; null: not checked yet. */
  @IsOptional()
  @IsBoolean()
  reachable!: boolean | null;

  /** When `reachable` was found out, or null before the first check. */
  @IsOptional()
  @IsISO8601()
  checked_at!: string | null;

  /** The fleet runs the launcher's scripted fake providers (`--fake-providers`). */
  @IsOptional()
  @IsBoolean()
  fake?: boolean;

  /** Why it is not reachable, or what the local engine is. */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  detail?: string;
}

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

  /** Pipeline workers only: their providers' state. */
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ProviderState)
  providers?: ProviderState[];
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
  /**
   * The pipeline's providers, one per stage (the first replica's answer): the fleet is `degraded`
   * when a stage has no reachable provider.
   */
  providers: ProviderState[];
  /** The workers run against the launcher's fake providers. */
  fake_providers: boolean;
}

/** Body of `fleet.v1.health.ping`. */
export class FleetHealthPing {
  @IsOptional()
  @IsUUID()
  request_id?: string;
}
