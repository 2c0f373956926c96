import { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import type { ServiceSchema } from './service-schema';

export interface DataSourceTuning {
  /** Pool size of this process (pg `max`). Default 10. */
  poolMax?: number;
  /** Shown in `pg_stat_activity`. Default `voxbridge-<service>`. */
  applicationName?: string;
  /**
   * Give up getting a connection (a new one, or a free one from a full pool) after this long, so a
   * request during a database outage fails fast (503 `database_unavailable`) instead of hanging.
   * Default 3 000.
   */
  connectTimeoutMs?: number;
  /**
   * Server-side `statement_timeout`, and a client-side query timeout a second longer (a frozen
   * server never cancels anything itself). 0: none (migrations). Default 10 000.
   */
  statementTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;

/**
 * TypeORM options for one service's schema. The schema is the default for its entities and holds
 * its `migrations` table. Nothing happens on boot: no synchronize, no migrations (the migrate job
 * runs those once, under a lock), no `CREATE EXTENSION` (migrations own DDL; uuid defaults use the
 * built-in `gen_random_uuid()`).
 */
export function dataSourceOptions(
  url: string,
  serviceSchema: ServiceSchema,
  tuning: DataSourceTuning = {},
): PostgresConnectionOptions {
  const statementTimeoutMs = tuning.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  return {
    type: 'postgres',
    url,
    schema: serviceSchema.schema,
    entities: serviceSchema.entities,
    migrations: serviceSchema.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    migrationsRun: false,
    synchronize: false,
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    logging: false,
    extra: {
      max: tuning.poolMax ?? 10,
      application_name: tuning.applicationName ?? `voxbridge-${serviceSchema.service}`,
      connectionTimeoutMillis: tuning.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs, query_timeout: statementTimeoutMs + 1_000 } : {}),
    },
  };
}

/** A DataSource for the service's schema, not yet initialized. */
export function createDataSource(url: string, serviceSchema: ServiceSchema, tuning: DataSourceTuning = {}): DataSource {
  return new DataSource(dataSourceOptions(url, serviceSchema, tuning));
}
