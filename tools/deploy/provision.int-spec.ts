import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { dropDatabase, testInfra } from '@voxbridge/testing';
import { serviceDatabaseUrlVariable, serviceRoles } from './postgres-roles';
import { provision, ProvisionError } from './provision';

// Real Postgres (jest globalSetup). Roles are cluster-wide: the test drops them after its database.

describe(provision.name, () => {
  const { serverUrl } = testInfra();
  const adminUrl = (() => {
    const url = new URL(serverUrl);
    url.pathname = `/vb_test_provision_${randomBytes(5).toString('hex')}`;
    return url.toString();
  })();
  const roleUrl = (role: string, password = `pw-${role}`) => {
    const url = new URL(adminUrl);
    url.username = role;
    url.password = password;
    return url.toString();
  };
  const env = (): NodeJS.ProcessEnv => ({
    DATABASE_URL: adminUrl,
    ...Object.fromEntries(serviceRoles().map((r) => [serviceDatabaseUrlVariable(r.service), roleUrl(r.role)])),
  });

  async function query<T extends object>(url: string, sql: string): Promise<T[]> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  }

  afterAll(async () => {
    await dropDatabase(serverUrl, adminUrl);
    for (const { role } of serviceRoles()) await query(serverUrl, `DROP ROLE IF EXISTS "${role}"`);
  });

  it('creates each role and its schema, and runs its migrations as that role', async () => {
    const sut = await provision(env());

    expect(sut.map((r) => r.schema).sort()).toEqual(serviceRoles().map((r) => r.schema).sort());
    for (const result of sut) expect(result.applied.length).toBeGreaterThan(0);
    const owners = await query<{ schemaname: string; tableowner: string }>(
      adminUrl,
      `SELECT DISTINCT schemaname, tableowner FROM pg_tables WHERE schemaname IN (${serviceRoles().map((r) => `'${r.schema}'`).join(', ')}) ORDER BY 1`,
    );
    expect(owners).toEqual(serviceRoles().map((r) => ({ schemaname: r.schema, tableowner: r.role })).sort((a, b) => a.schemaname.localeCompare(b.schemaname)));
  });

  it('lets a role read its own schema and not another service’s', async () => {
    const store = roleUrl('vb_session_store');
    await expect(query(store, 'SELECT count(*) FROM session_store.migrations')).resolves.toHaveLength(1);
    await expect(query(store, 'SELECT count(*) FROM agent_api.migrations')).rejects.toThrow(/permission denied for schema agent_api/);
    await expect(query(store, 'CREATE TABLE public.sneaky (id int)')).rejects.toThrow(/permission denied for schema public/);
  });

  it('is idempotent: a second run applies nothing', async () => {
    const sut = await provision(env());

    expect(sut.every((r) => r.applied.length === 0)).toBe(true);
  });

  it('refuses a service URL that logs in as another role', async () => {
    const wrong = { ...env(), DATABASE_URL_AGENT_API: roleUrl('vb_session_store') };

    await expect(provision(wrong)).rejects.toThrow(ProvisionError);
    await expect(provision(wrong)).rejects.toThrow('DATABASE_URL_AGENT_API must log in as vb_agent_api, not "vb_session_store"');
  });
});
