import { createTestDatabase, dropDatabase, testInfra } from '@voxbridge/testing';
import { createDataSource } from './data-source';
import { PersistenceErrorCode } from './persistence.errors';
import { pingDatabase } from './ping-database';
import type { ServiceSchema } from './service-schema';

// Real Postgres from jest globalSetup, one fresh database per file.

describe(pingDatabase.name, () => {
  const { serverUrl } = testInfra();
  const serviceSchema: ServiceSchema = { service: 'ping-test', schema: 'ping_test', migrations: [], entities: [] };
  let url: string;

  beforeAll(async () => {
    url = await createTestDatabase(serverUrl);
  });
  afterAll(async () => {
    await dropDatabase(serverUrl, url);
  });

  it('resolves when the database answers', async () => {
    const dataSource = await createDataSource(url, serviceSchema).initialize();
    try {
      await expect(pingDatabase(dataSource, 1_000)).resolves.toBeUndefined();
    } finally {
      await dataSource.destroy();
    }
  });

  it('rejects after timeoutMs when no connection is free', async () => {
    const dataSource = await createDataSource(url, serviceSchema, { poolMax: 1 }).initialize();
    const holder = dataSource.createQueryRunner();
    await holder.connect();
    try {
      const startedMs = Date.now();

      await expect(pingDatabase(dataSource, 200)).rejects.toMatchObject({ code: PersistenceErrorCode.Timeout });

      expect(Date.now() - startedMs).toBeGreaterThanOrEqual(190);
    } finally {
      await holder.release();
      await dataSource.destroy();
    }
  });

  it('rejects a data source that is not initialized', async () => {
    await expect(pingDatabase(createDataSource(url, serviceSchema), 1_000)).rejects.toMatchObject({ code: PersistenceErrorCode.NotInitialized });
  });
});
