// Compiles every app, lib and tool from TypeScript to CommonJS under dist/, keeping the source
// layout (apps/agent-api/src/main.ts -> dist/apps/agent-api/src/main.js) and rewriting the
// @voxbridge/* path aliases to relative requires, so plain `node` runs the output.
// SWC keeps decorator metadata, which Nest's dependency injection needs; type checking is
// `npm run lint`'s job (tsc --noEmit), not the build's.
import { transformFile } from '@swc/core';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = join(root, 'dist');
const sourceRoots = ['apps', 'libs', 'tools'];
const isTestFile = (name) => /\.(spec|int-spec|e2e-spec)\.ts$/.test(name) || name === 'jest.config.ts';

async function* walk(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'test' && entry.name !== 'web') yield* walk(full);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !isTestFile(entry.name)) {
      yield full;
    }
  }
}

const tsconfig = JSON.parse(await readFile(join(root, 'tsconfig.base.json'), 'utf8'));
const swcOptions = (file) => ({
  filename: file,
  sourceMaps: true,
  swcrc: false,
  module: { type: 'commonjs', strict: true },
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    keepClassNames: true,
    baseUrl: root,
    paths: tsconfig.compilerOptions.paths,
  },
});

const started = Date.now();
await rm(outDir, { recursive: true, force: true });
const files = [];
for (const top of sourceRoots) {
  try {
    for await (const file of walk(join(root, top))) files.push(file);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
}
await Promise.all(
  files.map(async (file) => {
    const { code, map } = await transformFile(file, swcOptions(file));
    const target = join(outDir, relative(root, file)).replace(/\.ts$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, `${code}\n//# sourceMappingURL=${target.split('/').pop()}.map\n`);
    if (map) await writeFile(`${target}.map`, map);
  }),
);
const compiledMs = Date.now() - started;

// The web app (React, apps/web) is bundled by Vite into dist/apps/web, which agent-api serves at /.
const webConfig = join(root, 'apps', 'web', 'vite.config.mts');
let webMs = 0;
if (existsSync(webConfig)) {
  const webStarted = Date.now();
  const { build } = await import('vite');
  await build({ configFile: webConfig, logLevel: 'error' });
  webMs = Date.now() - webStarted;
}
if (!process.argv.includes('--quiet')) {
  console.log(`build: ${files.length} files compiled to dist/ in ${compiledMs} ms${webMs ? `; web app bundled in ${webMs} ms` : ''}`);
}
