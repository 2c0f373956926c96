import { redactDatabaseUrl, redactSecrets } from '@voxbridge/persistence';
import { migrateAll, type MigrateAllOptions } from './migrate';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface CliOutput {
  log(line: string): void;
  error(line: string): void;
}

/**
 * `npm run migrate`: DATABASE_URL in, one summary line per schema out. Resolves the exit code and
 * never rejects. The password never reaches the output.
 */
export async function runMigrateCli(env: NodeJS.ProcessEnv, out: CliOutput, options: MigrateAllOptions = {}): Promise<number> {
  const url = env['DATABASE_URL'];
  if (!url) {
    out.error('migrate: DATABASE_URL is not set (e.g. postgres://user:password@127.0.0.1:5432/voxbridge)');
    return EXIT_USAGE;
  }
  if (!URL.canParse(url)) {
    out.error('migrate: DATABASE_URL is not a valid URL');
    return EXIT_USAGE;
  }
  const startedMs = Date.now();
  out.log(`migrate: ${redactDatabaseUrl(url)}`);
  try {
    const result = await migrateAll(url, undefined, options);
    if (result.databaseCreated) out.log('migrate: database created');
    for (const { schema, service, applied } of result.schemas) {
      out.log(`migrate: ${schema} (${service}): ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
    }
    out.log(`migrate: done, ${result.schemas.length} schemas in ${Date.now() - startedMs} ms`);
    return EXIT_OK;
  } catch (error) {
    out.error(`migrate: failed: ${redactSecrets(error instanceof Error ? error.message : String(error), url)}`);
    return EXIT_FAILED;
  }
}
