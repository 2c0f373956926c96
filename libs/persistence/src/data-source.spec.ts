import { dataSourceOptions } from './data-source';
import type { ServiceSchema } from './service-schema';

describe(dataSourceOptions.name, () => {
  const serviceSchema: ServiceSchema = { service: 'session-store', schema: 'session_store', migrations: [], entities: [] };

  it('keeps everything in the service schema and does nothing on boot', () => {
    const sut = dataSourceOptions('postgres://vox@db/voxbridge', serviceSchema);
    expect(sut).toMatchObject({
      type: 'postgres',
      schema: 'session_store',
      migrationsTableName: 'migrations',
      migrationsTransactionMode: 'each',
      synchronize: false,
      migrationsRun: false,
      installExtensions: false,
    });
  });

  it('sizes and names the pool per process', () => {
    expect(dataSourceOptions('postgres://db/v', serviceSchema).extra).toMatchObject({ max: 10, application_name: 'voxbridge-session-store' });
    expect(dataSourceOptions('postgres://db/v', serviceSchema, { poolMax: 3, applicationName: 'session-store-7f' }).extra).toMatchObject({
      max: 3,
      application_name: 'session-store-7f',
    });
  });

  it('fails fast in an outage: a short connect timeout, and statement and query timeouts unless turned off', () => {
    expect(dataSourceOptions('postgres://db/v', serviceSchema).extra).toMatchObject({
      connectionTimeoutMillis: 3_000,
      statement_timeout: 10_000,
      query_timeout: 11_000,
    });
    const migrate = dataSourceOptions('postgres://db/v', serviceSchema, { statementTimeoutMs: 0, connectTimeoutMs: 500 }).extra as Record<string, unknown>;
    expect(migrate['connectionTimeoutMillis']).toBe(500);
    expect(migrate).not.toHaveProperty('statement_timeout');
    expect(migrate).not.toHaveProperty('query_timeout');
  });
});
