import { createTestDatabase, dropDatabase, expectEventually, testInfra } from '@voxbridge/testing';
import { Client } from 'pg';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PersistenceErrorCode } from './persistence.errors';
import { MIGRATION_LOCK_KEY, runMigrations } from './run-migrations';
import type { MigrationClass, ServiceSchema } from './service-schema';

// Real Postgres (from jest globalSetup); every test gets its own empty database. The fixture
// migrations create tables without `if not exists`, so applying one twice would fail loudly.

function migration(name: string, up: string): MigrationClass {
  return class implements MigrationInterface {
    readonly name = name;
    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(up);
    }
    async down(): Promise<void> {
      return undefined;
    }
  };
}

const alpha: ServiceSchema = {
  service: 'alpha-service',
  schema: 'alpha',
  migrations: [
    migration('CreateWidgets1700000000001', 'create table alpha.widgets (id int primary key)'),
    migration('AddWidgetName1700000000002', 'alter table alpha.widgets add column name text not null'),
  ],
  entities: [],
};
const beta: ServiceSchema = {
  service: 'beta-service',
  schema: 'beta',
  migrations: [migration('CreateGadgets1700000000001', 'create table beta.gadgets (id int primary key)')],
  entities: [],
};

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

const appliedRows = (url: string, schema: string) =>
  query<{ name: string; timestamp: string }>(url, `select name, timestamp from "${schema}".migrations order by id`);
// pg_locks spans the cluster, and other test files migrate their own databases meanwhile.
const advisoryLocksHere = (url: string, granted: boolean) =>
  query(
    url,
    "select 1 from pg_locks where locktype = 'advisory' and granted = $1 and database = (select oid from pg_database where datname = current_database())",
    [granted],
  );
const tablesIn = async (url: string, schema: string) =>
  (await query<{ table_name: string }>(url, 'select table_name from information_schema.tables where table_schema = $1 order by 1', [schema])).map(
    (row) => row.table_name,
  );

describe(runMigrations.name, () => {
  const { serverUrl } = testInfra();
  let url: string;

  beforeEach(async () => {
    url = await createTestDatabase(serverUrl);
  });
  afterEach(async () => {
    await dropDatabase(serverUrl, url);
  });

  it('creates each schema and applies its migrations in order, recording them in the schema', async () => {
    const sut = await runMigrations(url, [alpha, beta]);

    expect(sut).toEqual([
      { service: 'alpha-service', schema: 'alpha', applied: ['CreateWidgets1700000000001', 'AddWidgetName1700000000002'] },
      { service: 'beta-service', schema: 'beta', applied: ['CreateGadgets1700000000001'] },
    ]);
    expect(await tablesIn(url, 'alpha')).toEqual(['migrations', 'widgets']);
    expect(await tablesIn(url, 'beta')).toEqual(['gadgets', 'migrations']);
    expect((await appliedRows(url, 'alpha')).map((row) => row.name)).toEqual(['CreateWidgets1700000000001', 'AddWidgetName1700000000002']);
    expect(await tablesIn(url, 'public')).toEqual([]);
  });

  it('applies nothing on a second run and changes nothing', async () => {
    await runMigrations(url, [alpha, beta]);
    const before = [await appliedRows(url, 'alpha'), await appliedRows(url, 'beta')];

    const sut = await runMigrations(url, [alpha, beta]);

    expect(sut.map((result) => result.applied)).toEqual([[], []]);
    expect([await appliedRows(url, 'alpha'), await appliedRows(url, 'beta')]).toEqual(before);
  });

  it('applies only the migrations added since the last run', async () => {
    await runMigrations(url, [{ ...alpha, migrations: alpha.migrations.slice(0, 1) }]);

    const sut = await runMigrations(url, [alpha]);

    expect(sut[0]?.applied).toEqual(['AddWidgetName1700000000002']);
  });

  it('serializes concurrent runs: none fails and each migration is applied exactly once', async () => {
    const sut = await Promise.all([runMigrations(url, [alpha, beta]), runMigrations(url, [alpha, beta]), runMigrations(url, [alpha, beta])]);

    const appliedByAll = sut.flatMap((run) => run.flatMap((result) => result.applied.map((name) => `${result.schema}.${name}`)));
    expect(appliedByAll.sort()).toEqual(['alpha.AddWidgetName1700000000002', 'alpha.CreateWidgets1700000000001', 'beta.CreateGadgets1700000000001']);
    expect(await appliedRows(url, 'alpha')).toHaveLength(2);
    expect(await appliedRows(url, 'beta')).toHaveLength(1);
  });

  it('waits while another session holds the migration lock, then runs', async () => {
    const holder = new Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
      const waits: string[] = [];
      const run = runMigrations(url, [beta], { info: (message) => waits.push(message) });

      await expectEventually(async () => {
        const waiting = await advisoryLocksHere(url, false);
        expect(waiting).toHaveLength(1);
      });
      expect(waits).toContain('waiting for the migration lock held by another run');
      expect(await query(url, "select 1 from pg_namespace where nspname = 'beta'")).toHaveLength(0);

      await holder.query('select pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
      expect((await run)[0]?.applied).toEqual(['CreateGadgets1700000000001']);
    } finally {
      await holder.end();
    }
  });

  it('on a failing migration keeps the ones before it, rolls the failing one back and releases the lock', async () => {
    const broken: ServiceSchema = {
      ...alpha,
      migrations: [
        ...alpha.migrations,
        migration('Broken1700000000003', 'create table alpha.half_done (id int); select * from alpha.no_such_table'),
      ],
    };

    const messages: unknown[] = [];

    const sut = runMigrations(url, [broken, beta], { info: (_, fields) => messages.push(fields['message']) });

    await expect(sut).rejects.toMatchObject({ code: PersistenceErrorCode.MigrationFailed, message: expect.stringContaining('alpha') });
    expect(messages).toContain('Migration "Broken1700000000003" failed, error: relation "alpha.no_such_table" does not exist');
    expect((await appliedRows(url, 'alpha')).map((row) => row.name)).toEqual(['CreateWidgets1700000000001', 'AddWidgetName1700000000002']);
    expect(await tablesIn(url, 'alpha')).toEqual(['migrations', 'widgets']);
    expect(await query(url, "select 1 from pg_namespace where nspname = 'beta'")).toHaveLength(0);
    expect(await advisoryLocksHere(url, true)).toHaveLength(0);
    expect(await advisoryLocksHere(url, false)).toHaveLength(0);
    expect((await runMigrations(url, [alpha, beta])).map((result) => result.applied)).toEqual([[], ['CreateGadgets1700000000001']]);
  });

  it('fails with a clear code when the server is unreachable', async () => {
    const unreachable = 'postgres://vox:hunter2@127.0.0.1:1/voxbridge';

    const sut = runMigrations(unreachable, [alpha]);

    await expect(sut).rejects.toMatchObject({ code: PersistenceErrorCode.DatabaseUnreachable });
    await expect(runMigrations(unreachable, [alpha])).rejects.not.toThrow(/hunter2/);
  });
});
