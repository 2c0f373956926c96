import { createTestDatabase, dropDatabase, testInfra } from '@voxbridge/testing';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ensureDatabase } from './ensure-database';
import { PersistenceErrorCode } from './persistence.errors';

// Real Postgres from jest globalSetup; databases made here are dropped after each test.

async function databaseExists(serverUrl: string, name: string): Promise<boolean> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return (await client.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

describe(ensureDatabase.name, () => {
  const { serverUrl } = testInfra();
  const made: string[] = [];

  const missingDatabaseUrl = () => {
    const url = new URL(serverUrl);
    url.pathname = `/vb_test_ensure_${randomBytes(5).toString('hex')}`;
    made.push(url.toString());
    return url.toString();
  };

  afterEach(async () => {
    for (const url of made.splice(0)) await dropDatabase(serverUrl, url);
  });

  it('creates the database named in the URL when it is missing', async () => {
    const url = missingDatabaseUrl();

    const sut = await ensureDatabase(url);

    expect(sut).toEqual({ created: true });
    expect(await databaseExists(serverUrl, new URL(url).pathname.slice(1))).toBe(true);
  });

  it('leaves an existing database alone', async () => {
    const url = await createTestDatabase(serverUrl);
    made.push(url);
    const client = new Client({ connectionString: url });
    await client.connect();
    await client.query('create table kept (id int)');
    await client.end();

    const sut = await ensureDatabase(url);

    expect(sut).toEqual({ created: false });
    const after = new Client({ connectionString: url });
    await after.connect();
    expect((await after.query("select 1 from information_schema.tables where table_name = 'kept'")).rowCount).toBe(1);
    await after.end();
  });

  it('lets concurrent callers race: exactly one creates, none fails', async () => {
    const url = missingDatabaseUrl();

    const sut = await Promise.all([ensureDatabase(url), ensureDatabase(url), ensureDatabase(url), ensureDatabase(url)]);

    expect(sut.filter((result) => result.created)).toHaveLength(1);
  });

  it('rejects an unreachable server with a code and without the password', async () => {
    const sut = ensureDatabase('postgres://vox:hunter2@127.0.0.1:1/voxbridge');

    await expect(sut).rejects.toMatchObject({ code: PersistenceErrorCode.DatabaseUnreachable, message: expect.not.stringContaining('hunter2') });
  });
});
