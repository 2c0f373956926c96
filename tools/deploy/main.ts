import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generatedFiles, roots } from './generate';

// `npm run deploy:generate` writes the generated deployment files; `-- --check` only compares.
const check = process.argv.includes('--check');
const { repoRoot } = roots();
let stale = 0;
for (const [path, content] of Object.entries(generatedFiles())) {
  const target = join(repoRoot, path);
  let current: string | null = null;
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    current = null;
  }
  if (current === content) continue;
  stale++;
  if (check) {
    console.error(`deploy: ${path} is out of date (run npm run deploy:generate)`);
  } else {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    console.log(`deploy: wrote ${path}`);
  }
}
if (check && stale > 0) process.exitCode = 1;
if (!check && stale === 0) console.log('deploy: every generated file is up to date');
