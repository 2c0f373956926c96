import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICE_NAMES, type ServiceName } from '@voxbridge/contracts';
import { canConnect, expectEventually, freePort } from '@voxbridge/testing';
import { COMPOSE_NATS_PASSWORDS_INCLUDE } from '../generate';
import { natsPasswordsFile, natsServerConfig } from '../nats-permissions';

/** The password each NATS user gets in tests (`admin` too). */
export const testNatsPassword = (user: string): string => `pw-${user}-secret`;

export interface ConfiguredNats {
  port: number;
  url: string;
  /** What nats-server printed so far (permission violations, authentication errors). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * A private nats-server (free port, JetStream store in a temp folder) running the generated config
 * with test passwords, laid out as in the compose NATS container (/etc/nats + /run/secrets).
 */
export async function startConfiguredNats(namespace = 'vb'): Promise<ConfiguredNats> {
  const root = await mkdtemp(join(tmpdir(), 'vb-nats-acl-'));
  await mkdir(join(root, 'etc', 'nats'), { recursive: true });
  await mkdir(join(root, 'run', 'secrets'), { recursive: true });
  const config = join(root, 'etc', 'nats', 'nats.conf');
  await writeFile(config, natsServerConfig({ namespace, passwordsInclude: COMPOSE_NATS_PASSWORDS_INCLUDE, storeDir: join(root, 'js') }));
  const passwords = Object.fromEntries([...SERVICE_NAMES, 'admin'].map((s) => [s, testNatsPassword(s)])) as Record<ServiceName | 'admin', string>;
  await writeFile(join(root, 'run', 'secrets', 'nats_passwords'), natsPasswordsFile(passwords));
  const port = await freePort();
  const monitor = await freePort();
  const child: ChildProcess = spawn('nats-server', ['-c', config, '-a', '127.0.0.1', '-p', String(port), '-m', String(monitor)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(root, { recursive: true, force: true });
  };
  try {
    await expectEventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`nats-server exited: ${log}`);
        expect(await canConnect('127.0.0.1', port, 200)).toBe(true);
      },
      { timeoutMs: 10_000 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, url: `nats://127.0.0.1:${port}`, log: () => log, stop };
}
