import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoutes } from './readme-routes';

/** `npm run routes`: rewrites README.md's map of routes from libs/contracts/src/routes.ts. */
const readmePath = join(__dirname, '..', '..', '..', 'README.md');
const before = readFileSync(readmePath, 'utf8');
const after = withRoutes(before);
if (after === before) {
  process.stdout.write('routes: README.md is up to date\n');
} else {
  writeFileSync(readmePath, after);
  process.stdout.write('routes: README.md updated\n');
}
