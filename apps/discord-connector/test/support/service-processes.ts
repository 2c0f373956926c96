import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { ServiceName } from '@voxbridge/contracts';
import { freePort } from '@voxbridge/testing';

/** The repository root (this file is apps/discord-connector/test/support/). */
const ROOT = resolve(__dirname, '../../../..');
/** TypeScript straight from the sources (tsconfig paths included): no build needed before the test. */
const FROM_SOURCE = ['-r', '@swc-node/register'];
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const KEPT_OUTPUT_CHARS = 20_000;

export interface ServiceProcess {
  service: ServiceName;
  baseUrl: string;
  /** The last of what it printed (for failure messages). */
  output(): string;
  stop(): Promise<void>;
  /** Dies at once (SIGKILL): no goodbye, no hand-over. */
  kill(): Promise<void>;
}

function keepTail(child: ChildProcess): () => string {
  let text = '';
  const append = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-KEPT_OUTPUT_CHARS);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => text;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((done) => child.once('exit', (code) => done(code)));
}

/**
 * Another service of the fleet as its own process, started from its sources exactly as `main.ts`
 * starts it (an app's test may not import another app): on a free port, resolved once `/ready`
 * answers 200.
 */
export async function startServiceProcess(service: ServiceName, env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...FROM_SOURCE, `apps/${service}/src/main.ts`], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: process.env['VB_TEST_LOG'] ?? 'warn', LOG_FORMAT: 'json', ...env, HTTP_HOST: '127.0.0.1', HTTP_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = keepTail(child);
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited(child);
    clearTimeout(timer);
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${service} exited with ${child.exitCode} before it was ready:\n${output()}`);
    const ready = await fetch(`${baseUrl}/ready`).then(
      (response) => response.status === 200,
      () => false,
    );
    const kill = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited(child);
    };
    if (ready) return { service, baseUrl, output, stop, kill };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${service} was not ready within ${READY_TIMEOUT_MS} ms:\n${output()}`);
    }
    await new Promise((wake) => setTimeout(wake, 200));
  }
}

/** `npm run migrate` from the sources, against one database: every service's schema. */
export async function migrateAll(databaseUrl: string): Promise<void> {
  const child = spawn(process.execPath, [...FROM_SOURCE, 'tools/migrate/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = keepTail(child);
  const code = await exited(child);
  if (code !== 0) throw new Error(`migrate exited with ${code}:\n${output()}`);
}
