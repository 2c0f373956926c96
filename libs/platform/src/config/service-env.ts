import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
import { Secret } from './secret';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Variables every service reads. Each app extends this with its own (and its default HTTP_PORT). */
export class ServiceEnv {
  /** Comma-separated NATS server URLs. */
  @Matches(/^(nats|tls|ws|wss):\/\/[^,\s]+(,(nats|tls|ws|wss):\/\/[^,\s]+)*$/, {
    message: 'must be one or more comma-separated nats:// URLs',
  })
  NATS_URL = 'nats://127.0.0.1:4222';

  /**
   * The NATS user this service logs in as (deployments give each service its own, allowed only its
   * own subjects: deploy/nats). Unset: no authentication. nats.js ignores `user:pass@` in a URL.
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1-64 of A-Z, a-z, 0-9, _, . or -' })
  NATS_USER?: string;

  /** NATS_USER's password (or NATS_PASSWORD_FILE through the image's entry point). */
  @Secret()
  @ValidateIf((env: ServiceEnv) => env.NATS_USER !== undefined || env.NATS_PASSWORD !== undefined)
  @IsString({ message: 'must be set when NATS_USER is' })
  NATS_PASSWORD?: string;

  /** Prefix of every subject, queue group and stream: fleets with different namespaces never meet. */
  @Matches(/^[a-z][a-z0-9_-]{0,31}$/, { message: 'must be 1-32 of a-z, 0-9, _ or -, starting with a letter' })
  VOXBRIDGE_NAMESPACE = 'vb';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /** `auto`: pretty when stdout is a terminal, JSON otherwise. */
  @IsIn(LOG_FORMATS)
  LOG_FORMAT: LogFormat = 'auto';

  @IsString()
  HTTP_HOST = '0.0.0.0';

  /** 0 lets the OS pick a free port (tests). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  HTTP_PORT = 0;

  /** After a stop signal, how long in-flight work may take before the process exits anyway. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(120_000)
  SHUTDOWN_TIMEOUT_MS = 10_000;
}

/** For the services that own a Postgres schema. */
export class DatabaseServiceEnv extends ServiceEnv {
  /** postgres://user:password@host:port/database — required, secret (it may hold a password). */
  @Secret()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// URL' })
  DATABASE_URL!: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  DATABASE_POOL_MAX = 5;
}

/** The NATS login of a service, in the shape nats.js (and Nest's NATS transport) take. */
export function natsCredentials(config: ServiceEnv): { user?: string; pass?: string } {
  return config.NATS_USER === undefined ? {} : { user: config.NATS_USER, pass: config.NATS_PASSWORD ?? '' };
}
