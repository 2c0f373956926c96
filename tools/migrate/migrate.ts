import { extname, resolve } from 'node:path';
import {
  discoverServiceSchemas,
  ensureDatabase,
  runMigrations,
  type MigrationLog,
  type SchemaMigrationResult,
} from '@voxbridge/persistence';

export interface MigrateAllOptions {
  /** Where `apps/*\/src/persistence/schema.*` are found. Default: the root this file was loaded from. */
  rootDir?: string;
  /** Default: this file's own extension (`.js` under dist/, `.ts` under jest). */
  extension?: '.js' | '.ts';
}

export interface MigrateAllResult {
  /** Whether this run created the database. */
  databaseCreated: boolean;
  schemas: SchemaMigrationResult[];
}

/**
 * Creates the database if missing, finds every service's schema manifest and applies the pending
 * migrations under the fleet-wide migration lock. For `npm run migrate` and the fleet launcher.
 */
export async function migrateAll(url: string, log?: MigrationLog, options: MigrateAllOptions = {}): Promise<MigrateAllResult> {
  // dist/tools/migrate/migrate.js -> dist/, tools/migrate/migrate.ts -> the repository root.
  const rootDir = options.rootDir ?? resolve(__dirname, '..', '..');
  const extension = options.extension ?? (extname(__filename) === '.ts' ? '.ts' : '.js');
  const { created } = await ensureDatabase(url);
  log?.info(created ? 'database created' : 'database exists', {});
  const schemas = await discoverServiceSchemas(rootDir, { extension });
  return { databaseCreated: created, schemas: await runMigrations(url, schemas, log) };
}
