import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PersistenceError, PersistenceErrorCode } from './persistence.errors';
import { parseServiceSchema, type ServiceSchema } from './service-schema';

export interface DiscoverOptions {
  /** `.js` for a build under dist/, `.ts` when running from sources (jest). Default `.js`. */
  extension?: '.js' | '.ts';
}

/**
 * Loads `serviceSchema` from every `<rootDir>/apps/<service>/src/persistence/schema<ext>` at
 * runtime, so adding a stateful service needs no change to the migrate tool (and tools import no
 * app). Ordered by app folder; two services claiming one schema is an error.
 */
export async function discoverServiceSchemas(rootDir: string, options: DiscoverOptions = {}): Promise<ServiceSchema[]> {
  const extension = options.extension ?? '.js';
  const appsDir = join(rootDir, 'apps');
  let apps: string[];
  try {
    apps = (await readdir(appsDir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch (error) {
    throw new PersistenceError(PersistenceErrorCode.InvalidServiceSchema, `cannot list ${appsDir}`, { cause: error });
  }
  const found: ServiceSchema[] = [];
  for (const app of apps.sort()) {
    const file = join(appsDir, app, 'src', 'persistence', `schema${extension}`);
    if (!(await exists(file))) continue;
    const loaded: unknown = await import(file);
    const exported = typeof loaded === 'object' && loaded !== null ? (loaded as Record<string, unknown>)['serviceSchema'] : undefined;
    found.push(parseServiceSchema(exported, file));
  }
  const owners = new Map<string, string>();
  for (const { service, schema } of found) {
    const owner = owners.get(schema);
    if (owner) {
      throw new PersistenceError(PersistenceErrorCode.InvalidServiceSchema, `schema ${schema} is claimed by both ${owner} and ${service}`);
    }
    owners.set(schema, service);
  }
  return found;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
