import { getJestProjectsAsync } from '@nx/jest';
import type { Config } from 'jest';

/** Unit tests of every project (`*.spec.ts`): no infrastructure. */
export default async (): Promise<Config> => ({
  projects: await getJestProjectsAsync(),
});
