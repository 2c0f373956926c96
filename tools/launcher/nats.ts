import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { DEFAULT_NATS_PORT } from './config';
import { livePidFrom, removeFile, shortPath, writePidFile } from './home';
import { LauncherError, LauncherErrorCode } from './launcher.errors';
import type { Cleanup, ResolvedInfra } from './lifecycle';
import { canConnect, freePort, probeNats } from './net';
import { LineSplitter, Tail, type Output } from './output';
import { hasExited, signal, stopChild, trackGroup, waitForPidExit } from './process';

export interface NatsOptions {
  /** NATS_URL, when the user gave one. */
  natsUrl: string | undefined;
  home: string;
  out: Output;
  cleanup: Cleanup;
  /** Set once shutdown has begun: an unexpected exit is then no news. */
  isStopping: () => boolean;
}

const LOCAL_HOST = '127.0.0.1';
const START_TIMEOUT_MS = 10_000;
const PID_FILE = 'nats-server.pid';

export const NATS_INSTALL_HINT = [
  'no NATS server: nothing answers on nats://127.0.0.1:4222 and nats-server is not on PATH. Either',
  '  - install it: apt-get install nats-server (Debian/Ubuntu; or a release from https://github.com/nats-io/nats-server/releases)',
  '  - run it in Docker: docker run -p 4222:4222 nats -js',
  '  - or point the fleet at one: NATS_URL=nats://host:4222 npm start',
].join('\n');

/** NATS_URL if given (and reachable); else a NATS on 127.0.0.1:4222; else a nats-server started here. */
export async function resolveNats(options: NatsOptions): Promise<ResolvedInfra> {
  if (options.natsUrl) return checkGivenNats(options.natsUrl);
  await stopLeftover(options);
  const local = await probeNats(LOCAL_HOST, DEFAULT_NATS_PORT);
  if (local === 'nats') {
    const url = `nats://${LOCAL_HOST}:${DEFAULT_NATS_PORT}`;
    options.out.info(`NATS: using the server already running at ${url}`);
    return { url, description: `${url} (found running)` };
  }
  // 4222 taken by something that is not NATS: the started server takes any free port.
  return startNatsServer(options, local === 'other' ? await freePort(LOCAL_HOST) : DEFAULT_NATS_PORT);
}

async function checkGivenNats(natsUrl: string): Promise<ResolvedInfra> {
  const targets = natsUrl.split(',').map((raw) => new URL(raw));
  const probes = targets.filter((url) => url.protocol === 'nats:' || url.protocol === 'tls:');
  // ws:// servers are left to the services; a plain TCP probe would say little about them.
  if (probes.length > 0) {
    const reachable = await Promise.all(probes.map((url) => canConnect(url.hostname, Number(url.port || DEFAULT_NATS_PORT), 2_000)));
    if (!reachable.includes(true)) {
      throw new LauncherError(LauncherErrorCode.NatsUnavailable, `cannot reach NATS at ${natsUrl} (NATS_URL): nothing answers there`);
    }
  }
  return { url: natsUrl, description: `${natsUrl} (NATS_URL)` };
}

/** A nats-server that an earlier launcher started and could not stop (it was killed) is stopped now. */
async function stopLeftover({ home, out }: NatsOptions): Promise<void> {
  const file = join(home, PID_FILE);
  const pid = livePidFrom(file, 'nats-server');
  if (pid !== null) {
    out.info(`NATS: stopping the nats-server an earlier launcher left running (pid ${pid})`);
    signal(pid, 'SIGTERM');
    if (!(await waitForPidExit(pid, 5_000))) signal(pid, 'SIGKILL');
    await waitForPidExit(pid, 2_000);
  }
  removeFile(file);
}

async function startNatsServer({ home, out, cleanup, isStopping }: NatsOptions, port: number): Promise<ResolvedInfra> {
  const storeDir = join(home, 'nats');
  const child = spawn('nats-server', ['-js', '-sd', storeDir, '-a', LOCAL_HOST, '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      // Kept for the child's lifetime: a later 'error' (a failed kill) must not crash the launcher.
      child.on('error', reject);
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new LauncherError(LauncherErrorCode.NatsUnavailable, NATS_INSTALL_HINT);
    throw new LauncherError(LauncherErrorCode.NatsUnavailable, `cannot start nats-server: ${(error as Error).message}`);
  }
  trackGroup(child);
  const pidFile = join(home, PID_FILE);
  const tail = new Tail(20);
  const splitter = new LineSplitter();
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => splitter.push(chunk).forEach((line) => tail.push(line)));
  cleanup.add('nats-server', async (force) => {
    await stopChild(child, { steps: force ? [{ signal: 'SIGKILL', timeoutMs: 1_000 }] : [{ signal: 'SIGTERM', timeoutMs: 5_000 }, { signal: 'SIGKILL', timeoutMs: 1_000 }] });
    removeFile(pidFile);
  });
  const pid = child.pid ?? 0;
  writePidFile(pidFile, pid);
  out.info(`started nats-server pid=${pid} on nats://${LOCAL_HOST}:${port} (JetStream, store ${shortPath(storeDir)})`);

  await waitUntilNats(child, port, tail);
  child.once('exit', (code, sig) => {
    if (!isStopping()) {
      out.error(`nats-server exited unexpectedly (${sig ?? `code ${code}`}); the services have lost their bus — restart the launcher`);
      tail.get().forEach((line) => out.error(`  ${line}`));
    }
  });
  const url = `nats://${LOCAL_HOST}:${port}`;
  return { url, description: `${url} (nats-server pid ${pid}, started by the launcher)` };
}

async function waitUntilNats(child: ChildProcess, port: number, tail: Tail): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while ((await probeNats(LOCAL_HOST, port, 500)) !== 'nats') {
    if (hasExited(child) || Date.now() > deadline) {
      const why = hasExited(child) ? `exited (${child.signalCode ?? `code ${child.exitCode}`})` : `did not answer within ${START_TIMEOUT_MS} ms`;
      throw new LauncherError(LauncherErrorCode.NatsUnavailable, `nats-server ${why}:\n${tail.get().map((l) => `  ${l}`).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
