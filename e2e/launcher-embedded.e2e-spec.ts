import { expectEventually, freePort, uniqueNamespace } from '@voxbridge/testing';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePortBase, isAlive, LauncherProcess, processesMentioning, REPO_ROOT } from './support/launcher-process';

const BOOT_TIMEOUT_MS = 120_000;

/** The launcher on a machine that gives it no database: the embedded default. */
describe('fleet launcher with its embedded Postgres', () => {
  const root = mkdtempSync(join(tmpdir(), 'vb-e2e-embedded-'));
  const home = join(root, 'home');
  const relocated = new Set<string>();
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    relocated.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  });

  async function env(): Promise<NodeJS.ProcessEnv> {
    const { DATABASE_URL: _ignored, ...rest } = process.env;
    return {
      ...rest,
      NATS_URL: process.env['VB_TEST_NATS_URL'] ?? '',
      VOXBRIDGE_HOME: home,
      VOXBRIDGE_NAMESPACE: uniqueNamespace('emb'),
      VOXBRIDGE_PORT_BASE: String(await freePortBase()),
      VOXBRIDGE_PG_PORT: String(await freePort()),
    };
  }

  async function bootAndStop(variables: NodeJS.ProcessEnv, whileRunning: (pgPort: number) => Promise<void>): Promise<string> {
    const sut = LauncherProcess.start(variables);
    try {
      await expectEventually(() => expect(sut.text()).toContain('8/8 ready'), {
        timeoutMs: BOOT_TIMEOUT_MS,
        intervalMs: 200,
        context: () => sut.lastLines(),
      });
      await whileRunning(Number(variables['VOXBRIDGE_PG_PORT']));
    } finally {
      sut.child.kill('SIGTERM');
    }
    expect(await sut.exited).toEqual({ code: 0, signal: null });
    expect(sut.allPids().filter(isAlive)).toEqual([]);
    expect(processesMentioning(home)).toEqual([]);
    // As root, a home below a private folder (like this 0700 temp dir) moves the data out of it.
    const moved = /its data lives in (\S+)\/postgres/.exec(sut.text());
    if (moved?.[1]) relocated.add(moved[1]);
    return sut.text();
  }

  const query = async (pgPort: number, sql: string) => {
    const password = readFileSync(join(home, 'postgres.password'), 'utf8').trim();
    const client = new Client({ host: '127.0.0.1', port: pgPort, user: 'postgres', password, database: 'voxbridge' });
    await client.connect();
    try {
      return (await client.query<Record<string, unknown>>(sql)).rows;
    } finally {
      await client.end();
    }
  };

  it('creates the cluster on first start, migrates, and keeps the data across a restart', async () => {
    const first = await env();
    const firstOutput = await bootAndStop(first, async (pgPort) => {
      await query(pgPort, 'create table public.e2e_marker (note text); insert into public.e2e_marker values ($$kept$$)');
    });
    expect(firstOutput).toContain('creating the database cluster');
    expect(firstOutput).toMatch(/migrations: applied \d+ to agent_api, discord_connector, llm_router, plugin_supervisor, session_store/);

    const second = { ...first, VOXBRIDGE_PORT_BASE: String(await freePortBase()) };
    const secondOutput = await bootAndStop(second, async (pgPort) => {
      expect(await query(pgPort, 'select note from public.e2e_marker')).toEqual([{ note: 'kept' }]);
      const schemas = await query(pgPort, "select nspname from pg_namespace where nspname in ('agent_api','session_store','llm_router','discord_connector','plugin_supervisor') order by 1");
      expect(schemas).toHaveLength(5);
    });
    expect(secondOutput).not.toContain('creating the database cluster');
    expect(secondOutput).not.toMatch(/migrations: applied/);
  }, 2 * BOOT_TIMEOUT_MS);

  it('stops the fleet, instead of restarting forever, when the services refuse their configuration', async () => {
    const sut = LauncherProcess.start({ ...(await env()), LOG_LEVEL: 'chatty' });
    const exit = await sut.exited;
    expect(exit.code).toBe(1);
    expect(sut.text()).toMatch(/refused its configuration; restarting cannot help/);
    expect(sut.text()).toContain('LOG_LEVEL: LOG_LEVEL must be one of the following values');
    expect(sut.text()).not.toContain('restarting in');
    expect(sut.allPids().filter(isAlive)).toEqual([]);
    expect(processesMentioning(home)).toEqual([]);
  }, BOOT_TIMEOUT_MS);
});

/**
 * A newcomer's first start as root with the clone in a private folder (root's home is 0700, as in
 * most containers and cloud machines): Postgres runs as the `postgres` user, which can reach
 * neither the data folder nor the embedded binaries in node_modules.
 */
const asRoot = process.getuid?.() === 0;
(asRoot ? describe : describe.skip)('a clone in a 0700 folder, started as root with no database given', () => {
  const privateRoot = mkdtempSync(join(tmpdir(), 'vb-e2e-private-'));
  const clone = join(privateRoot, 'voxbridge');
  const relocated = new Set<string>();
  afterAll(() => {
    rmSync(privateRoot, { recursive: true, force: true });
    relocated.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  });

  it('starts the whole fleet, its Postgres data and binaries where the postgres user can reach them', async () => {
    expect(statSync(privateRoot).mode & 0o777).toBe(0o700);
    // The committed tree, with this checkout's install and build (npm ci would need the network).
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', REPO_ROOT, clone]);
    execFileSync('cp', ['-al', join(REPO_ROOT, 'node_modules'), join(clone, 'node_modules')]);
    execFileSync('cp', ['-a', join(REPO_ROOT, 'dist'), join(clone, 'dist')]);

    const { DATABASE_URL: _ignored, VOXBRIDGE_HOME: _home, ...rest } = process.env;
    const sut = LauncherProcess.startIn(clone, {
      ...rest,
      NATS_URL: process.env['VB_TEST_NATS_URL'] ?? '',
      VOXBRIDGE_NAMESPACE: uniqueNamespace('priv'),
      VOXBRIDGE_PORT_BASE: String(await freePortBase()),
      VOXBRIDGE_PG_PORT: String(await freePort()),
    });
    try {
      await expectEventually(() => expect(sut.text()).toContain('8/8 ready'), {
        timeoutMs: BOOT_TIMEOUT_MS,
        intervalMs: 200,
        context: () => sut.lastLines(),
        giveUp: () => (sut.isRunning() ? undefined : 'the launcher exited'),
      });
      const moved = /its data lives in (\S+)\/postgres/.exec(sut.text());
      expect(moved?.[1]).toMatch(/^\/var\/lib\/voxbridge\//);
      if (moved?.[1]) relocated.add(moved[1]);
      expect(sut.text()).toMatch(/started postgres pid=\d+/);
      expect(sut.text()).not.toMatch(/EACCES|initdb failed/);
    } finally {
      sut.child.kill('SIGTERM');
    }
    expect(await sut.exited).toEqual({ code: 0, signal: null });
    expect(sut.allPids().filter(isAlive)).toEqual([]);
    expect(processesMentioning(clone)).toEqual([]);
  }, 2 * BOOT_TIMEOUT_MS);
});
