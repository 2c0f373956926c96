import { Client } from 'pg';
import { DataSource, type Logger } from 'typeorm';
import { redactSecrets } from './database-url';
import { dataSourceOptions } from './data-source';
import { PersistenceError, PersistenceErrorCode } from './persistence.errors';
import { quoteIdentifier, type ServiceSchema } from './service-schema';

/**
 * Key of the session advisory lock every migration run holds, fleet-wide: ASCII "VoxMig" read as
 * a 48-bit integer (0x566f784d6967). Concurrent runs (replicas, a Job and the launcher) queue on it.
 */
export const MIGRATION_LOCK_KEY = 95_036_759_697_767;

export interface MigrationLog {
  info(message: string, fields: Record<string, unknown>): void;
}

export interface SchemaMigrationResult {
  service: string;
  schema: string;
  /** Names of the migrations this run applied, in order; empty when the schema was up to date. */
  applied: string[];
}

/**
 * Applies the pending migrations of each schema, in the order given, holding the migration lock
 * for the whole run. Each service schema is created first, since its `migrations` table lives in
 * it. Idempotent; each migration runs in its own transaction. On failure the migrations of earlier
 * schemas (and earlier migrations of the failing one) stay applied.
 */
export async function runMigrations(url: string, schemas: ServiceSchema[], log?: MigrationLog): Promise<SchemaMigrationResult[]> {
  const lockClient = new Client({ connectionString: url, application_name: 'voxbridge-migrate' });
  // A dropped connection surfaces as a failed query below; without a listener it would crash the process.
  lockClient.on('error', (error) => log?.info('migration lock connection failed', { error: redactSecrets(error.message, url) }));
  try {
    await lockClient.connect();
  } catch (error) {
    throw new PersistenceError(PersistenceErrorCode.DatabaseUnreachable, `cannot connect: ${describe(error, url)}`, { cause: error });
  }
  try {
    const startedMs = Date.now();
    const { rows } = await lockClient.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [MIGRATION_LOCK_KEY]);
    if (!rows[0]?.locked) {
      log?.info('waiting for the migration lock held by another run', { lockKey: MIGRATION_LOCK_KEY });
      await lockClient.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    }
    log?.info('migration lock acquired', { waitedMs: Date.now() - startedMs });
    try {
      const results: SchemaMigrationResult[] = [];
      for (const serviceSchema of schemas) {
        results.push(await migrateSchema(url, lockClient, serviceSchema, log));
      }
      return results;
    } finally {
      // Must not mask the run's own error; ending the session below frees the lock anyway.
      await lockClient
        .query('select pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY])
        .catch((error: unknown) => log?.info('migration lock release failed', { error: describe(error, url) }));
    }
  } finally {
    // Ending the session also frees the lock if the unlock above could not run.
    await lockClient.end();
  }
}

async function migrateSchema(url: string, lockClient: Client, serviceSchema: ServiceSchema, log?: MigrationLog): Promise<SchemaMigrationResult> {
  const { service, schema } = serviceSchema;
  const startedMs = Date.now();
  const dataSource = new DataSource({
    ...dataSourceOptions(url, serviceSchema, { poolMax: 2, applicationName: 'voxbridge-migrate', statementTimeoutMs: 0 }),
    logger: typeormLogger(log),
  });
  try {
    await lockClient.query(`create schema if not exists ${quoteIdentifier(schema)}`);
    await dataSource.initialize();
    const applied = (await dataSource.runMigrations({ transaction: 'each' })).map((migration) => migration.name);
    log?.info('schema migrated', { service, schema, applied, durationMs: Date.now() - startedMs });
    return { service, schema, applied };
  } catch (error) {
    throw new PersistenceError(PersistenceErrorCode.MigrationFailed, `migrating schema ${schema} (${service}) failed: ${describe(error, url)}`, {
      cause: error,
    });
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}

function describe(error: unknown, url: string): string {
  return redactSecrets(error instanceof Error ? error.message : String(error), url);
}

/** TypeORM's default logger prints migration failures to stdout as plain text; route them to `log`. */
function typeormLogger(log?: MigrationLog): Logger {
  const ignore = () => undefined;
  return {
    logQuery: ignore,
    logQueryError: ignore,
    logQuerySlow: ignore,
    logSchemaBuild: ignore,
    logMigration: (message) => log?.info('typeorm migration message', { message }),
    log: (level, message) => {
      if (level !== 'log' && level !== 'info') log?.info('typeorm message', { level, message: String(message) });
    },
  };
}
