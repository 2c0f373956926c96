/** End-to-end tests (`*.e2e-spec.ts`): the built fleet (`dist/`, `npm run test:e2e` builds it) on real NATS and Postgres. */
export default {
  displayName: 'e2e',
  preset: '../jest.preset.js',
  testMatch: ['<rootDir>/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/../libs/testing/src/jest/global-setup.ts',
  globalTeardown: '<rootDir>/../libs/testing/src/jest/global-teardown.ts',
  testTimeout: 180_000,
  // Each test runs a whole fleet of processes: one at a time.
  maxWorkers: 1,
};
