import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const agentApi = 'http://127.0.0.1:4900';

/**
 * The VoxBridge web app. `vite build --config apps/web/vite.config.mts` writes dist/apps/web with
 * relative asset paths (agent-api serves it at `/`); `vitest run --config …` runs the component
 * tests in jsdom. The dev server proxies /api and /ws to a local agent-api.
 */
export default defineConfig({
  root,
  base: './',
  // Caches under the workspace's node_modules, not a new apps/web/node_modules.
  cacheDir: fileURLToPath(new URL('../../node_modules/.vite/web', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/apps/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    proxy: {
      '/api': agentApi,
      '/ws/events': { target: agentApi, ws: true },
    },
  },
  test: {
    root,
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
    // A first render in jsdom can take seconds on a busy 2-core CI machine; no test waits on time.
    testTimeout: 20_000,
  },
});
