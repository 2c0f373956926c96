import { SERVICES } from '@voxbridge/contracts';
import { createTestDatabase, dropDatabase, testInfra } from '@voxbridge/testing';
import { join } from 'node:path';
import { Client } from 'pg';
import { discoverServiceSchemas } from './discover-schemas';
import { runMigrations } from './run-migrations';
import type { ServiceSchema } from './service-schema';

// The real manifests of the fleet, found the way `npm run migrate` finds them (by path, at runtime),
// but in the source tree (`.ts`, compiled by jest) instead of dist/, so this needs no prior build.
// The built CLI itself is covered by tools/migrate/migrate.int-spec.ts.

const repoRoot = join(__dirname, '..', '..', '..');
const statefulSchemas = Object.values(SERVICES)
  .map((service) => service.schema)
  .filter((schema): schema is NonNullable<typeof schema> => schema !== null)
  .sort();

async function snapshot(url: string): Promise<Record<string, { comment: string | null; migrations: unknown[] }>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const schemas = await client.query<{ nspname: string; comment: string | null }>(
      "select nspname, obj_description(oid, 'pg_namespace') as comment from pg_namespace where nspname not like 'pg\\_%' and nspname not in ('information_schema', 'public') order by 1",
    );
    const result: Record<string, { comment: string | null; migrations: unknown[] }> = {};
    for (const { nspname, comment } of schemas.rows) {
      const rows = await client.query(`select id, timestamp, name from "${nspname}".migrations order by id`);
      result[nspname] = { comment, migrations: rows.rows };
    }
    return result;
  } finally {
    await client.end();
  }
}

describe('service schema migrations', () => {
  const { serverUrl } = testInfra();
  let url: string;
  let schemas: ServiceSchema[];

  beforeAll(async () => {
    schemas = await discoverServiceSchemas(repoRoot, { extension: '.ts' });
  });
  beforeEach(async () => {
    url = await createTestDatabase(serverUrl);
  });
  afterEach(async () => {
    await dropDatabase(serverUrl, url);
  });

  it('finds one manifest per stateful service, owning the schema SERVICES names', () => {
    expect(schemas.map((schema) => schema.schema).sort()).toEqual(statefulSchemas);
    for (const { service, schema } of schemas) expect(SERVICES[service as keyof typeof SERVICES]?.schema).toBe(schema);
  });

  const migrationNames = (schema: ServiceSchema) => schema.migrations.map((migration) => new migration().name ?? migration.name);

  it('brings an empty database to the five owned schemas, each recording all its migrations in order, init first', async () => {
    const sut = await runMigrations(url, schemas);

    const after = await snapshot(url);
    expect(Object.keys(after).sort()).toEqual(statefulSchemas);
    for (const manifest of schemas) {
      const applied = sut.find((result) => result.schema === manifest.schema)?.applied ?? [];
      expect(applied).toEqual(migrationNames(manifest));
      expect(applied[0]).toMatch(/^Init\w+Schema\d{13}$/);
      expect(after[manifest.schema]).toEqual({
        comment: `owned by ${manifest.service}`,
        migrations: applied.map((name) => expect.objectContaining({ name })),
      });
    }
  });

  it('applies nothing on a second run and changes nothing', async () => {
    await runMigrations(url, schemas);
    const before = await snapshot(url);

    const sut = await runMigrations(url, schemas);

    expect(sut.flatMap((result) => result.applied)).toEqual([]);
    expect(await snapshot(url)).toEqual(before);
  });

  it('survives two concurrent runs, applying each migration exactly once', async () => {
    const sut = await Promise.all([runMigrations(url, schemas), runMigrations(url, schemas)]);

    const total = schemas.reduce((sum, manifest) => sum + manifest.migrations.length, 0);
    expect(sut.flat().flatMap((result) => result.applied)).toHaveLength(total);
    const after = await snapshot(url);
    for (const manifest of schemas) expect(after[manifest.schema]?.migrations).toHaveLength(manifest.migrations.length);
  });
});
