/** Env variables through which jest's globalSetup hands the run's infrastructure to test workers. */
export const TEST_ENV = {
  natsUrl: 'VB_TEST_NATS_URL',
  databaseUrl: 'VB_TEST_DATABASE_URL',
  serverUrl: 'VB_TEST_SERVER_URL',
  /** 6 hex digits naming this run inside every namespace and database it creates (see leftovers.ts). */
  runId: 'VB_TEST_RUN_ID',
} as const;

/** This run's id (set by the jest globalSetup), or '' outside a jest run. */
export function testRunId(): string {
  return process.env[TEST_ENV.runId] ?? '';
}

export interface TestInfraEnv {
  natsUrl: string;
  databaseUrl: string;
  serverUrl: string;
}

/** The infrastructure of this test run (set up by libs/testing's jest globalSetup). */
export function testInfra(): TestInfraEnv {
  const read = (key: string) => {
    const value = process.env[key];
    if (!value) throw new Error(`${key} is not set: run integration tests through jest.int.config.ts (its globalSetup starts the infrastructure)`);
    return value;
  };
  return { natsUrl: read(TEST_ENV.natsUrl), databaseUrl: read(TEST_ENV.databaseUrl), serverUrl: read(TEST_ENV.serverUrl) };
}
