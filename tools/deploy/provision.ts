import { Client } from 'pg';
import { extname, resolve } from 'node:path';
import { discoverServiceSchemas, ensureDatabase, redactSecrets, runMigrations } from '@voxbridge/persistence';
import { roleStatements, serviceDatabaseUrlVariable, serviceRoles } from './postgres-roles';

export interface ProvisionResult {
  service: string;
  schema: string;
  role: string;
  applied: string[];
}

export class ProvisionError extends Error {
  override readonly name = 'ProvisionError';
}

/**
 * The compose/Kubernetes migration job: with the administrator's DATABASE_URL, creates the database,
 * each stateful service's role (user and password taken from its own `DATABASE_URL_<SERVICE>`) and
 * schema owned by it, then runs each service's migrations AS that role, so its tables are its own.
 */
export async function provision(env: NodeJS.ProcessEnv, options: { rootDir?: string; extension?: '.js' | '.ts' } = {}): Promise<ProvisionResult[]> {
  const adminUrl = env['DATABASE_URL'];
  if (!adminUrl || !URL.canParse(adminUrl)) throw new ProvisionError('DATABASE_URL (the administrator) must be a postgres:// URL');
  const database = decodeURIComponent(new URL(adminUrl).pathname.slice(1)) || 'voxbridge';
  const roles = serviceRoles().map((r) => {
    const variable = serviceDatabaseUrlVariable(r.service);
    const url = env[variable];
    if (!url || !URL.canParse(url)) throw new ProvisionError(`${variable} must be the postgres:// URL ${r.service} connects with`);
    const parsed = new URL(url);
    const user = decodeURIComponent(parsed.username);
    if (user !== r.role) throw new ProvisionError(`${variable} must log in as ${r.role}, not ${JSON.stringify(user)}`);
    if (!parsed.password) throw new ProvisionError(`${variable} has no password`);
    return { ...r, url, password: decodeURIComponent(parsed.password) };
  });
  await ensureDatabase(adminUrl);
  const admin = new Client({ connectionString: adminUrl, application_name: 'voxbridge-provision' });
  await admin.connect();
  try {
    for (const role of roles) {
      for (const statement of roleStatements(database, role, role.password)) await admin.query(statement);
    }
  } catch (error) {
    throw new ProvisionError(`creating roles failed: ${redactSecrets(error instanceof Error ? error.message : String(error), adminUrl)}`);
  } finally {
    await admin.end();
  }
  const rootDir = options.rootDir ?? resolve(__dirname, '..', '..');
  const extension = options.extension ?? (extname(__filename) === '.ts' ? '.ts' : '.js');
  const schemas = await discoverServiceSchemas(rootDir, { extension });
  const results: ProvisionResult[] = [];
  for (const role of roles) {
    const schema = schemas.find((s) => s.service === role.service);
    if (!schema) throw new ProvisionError(`no schema manifest found for ${role.service}`);
    // The migrator's `create schema if not exists` needs CREATE on the database even when the
    // schema exists: granted for the run only, so at run time a role can create nothing outside its schema.
    await asAdmin(adminUrl, `GRANT CREATE ON DATABASE ${quote(database)} TO ${quote(role.role)}`);
    try {
      const [result] = await runMigrations(role.url, [schema]);
      results.push({ service: role.service, schema: role.schema, role: role.role, applied: result?.applied ?? [] });
    } finally {
      await asAdmin(adminUrl, `REVOKE CREATE ON DATABASE ${quote(database)} FROM ${quote(role.role)}`);
    }
  }
  return results;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function asAdmin(adminUrl: string, statement: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl, application_name: 'voxbridge-provision' });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
