import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoutes } from './readme-routes';

describe('the README map of routes', () => {
  it('is the one generated from the contracts (run `npm run routes` after changing libs/contracts/src/routes.ts)', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    expect(withRoutes(readme)).toBe(readme);
  });
});
