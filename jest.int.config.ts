import type { Config } from 'jest';

/** Integration tests (`*.int-spec.ts`) on real NATS and Postgres, from the environment or started once. */
const preset = require('./jest.preset.js');

const config: Config = {
  ...preset,
  displayName: 'integration',
  rootDir: '.',
  testMatch: ['<rootDir>/apps/**/*.int-spec.ts', '<rootDir>/libs/**/*.int-spec.ts', '<rootDir>/tools/**/*.int-spec.ts'],
  globalSetup: '<rootDir>/libs/testing/src/jest/global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/jest/global-teardown.ts',
  testTimeout: 30_000,
  maxWorkers: 2,
};

export default config;
