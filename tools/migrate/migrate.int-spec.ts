import { dropDatabase, testInfra } from '@voxbridge/testing';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, runMigrateCli } from './cli';

// Real Postgres from jest globalSetup. The CLI logic runs in-process on the source tree (jest
// compiles the app manifests it discovers), which needs no build. The last test spawns the built
// `dist/tools/migrate/main.js` — the exact thing `npm run migrate` runs — only when a build exists:
// building here would race with other runs that rebuild dist/, so it is skipped visibly otherwise.

const builtCli = join(__dirname, '..', '..', 'dist', 'tools', 'migrate', 'main.js');

function capture() {
  const lines: string[] = [];
  return { lines, out: { log: (line: string) => lines.push(line), error: (line: string) => lines.push(line) } };
}

describe(runMigrateCli.name, () => {
  const { serverUrl } = testInfra();
  const made: string[] = [];

  const freshDatabaseUrl = () => {
    const url = new URL(serverUrl);
    url.pathname = `/vb_test_migrate_${randomBytes(5).toString('hex')}`;
    made.push(url.toString());
    return url.toString();
  };

  afterEach(async () => {
    for (const url of made.splice(0)) await dropDatabase(serverUrl, url);
  });

  it('exits 2 with a clear message when DATABASE_URL is missing', async () => {
    const { lines, out } = capture();

    const sut = await runMigrateCli({}, out);

    expect(sut).toBe(EXIT_USAGE);
    expect(lines).toEqual([expect.stringContaining('DATABASE_URL is not set')]);
  });

  it('exits 2 on a DATABASE_URL that is not a URL, without echoing it', async () => {
    const { lines, out } = capture();

    const sut = await runMigrateCli({ DATABASE_URL: 'hunter2' }, out);

    expect(sut).toBe(EXIT_USAGE);
    expect(lines.join('\n')).not.toContain('hunter2');
  });

  it('creates the database, migrates every schema and reports up to date on the next run', async () => {
    const url = freshDatabaseUrl();
    const first = capture();
    const second = capture();

    const sut = await runMigrateCli({ DATABASE_URL: url }, first.out);
    const again = await runMigrateCli({ DATABASE_URL: url }, second.out);

    expect([sut, again]).toEqual([EXIT_OK, EXIT_OK]);
    expect(first.lines).toContain('migrate: database created');
    expect(first.lines).toEqual(expect.arrayContaining([expect.stringMatching(/^migrate: agent_api \(agent-api\): applied InitAgentApiSchema1764028800000(, \w+)*$/)]));
    expect(second.lines.filter((line) => line.endsWith(': up to date'))).toHaveLength(5);
  });

  it('exits 1 when the server is unreachable and never prints the password', async () => {
    const { lines, out } = capture();

    const sut = await runMigrateCli({ DATABASE_URL: 'postgres://vox:hunter2@127.0.0.1:1/voxbridge' }, out);

    expect(sut).toBe(EXIT_FAILED);
    expect(lines.at(-1)).toMatch(/^migrate: failed: cannot connect/);
    expect(lines.join('\n')).not.toContain('hunter2');
  });

  (existsSync(builtCli) ? it : it.skip)('runs as the built CLI (dist/) with a password-protected URL redacted', async () => {
    const url = freshDatabaseUrl();
    const withPassword = new URL(url);
    withPassword.password = withPassword.password || 'unused-by-trust-auth';

    const sut = await promisify(execFile)(process.execPath, [builtCli], { env: { ...process.env, DATABASE_URL: withPassword.toString() } });

    expect(sut.stdout).toContain('migrate: session_store (session-store): applied InitSessionStoreSchema1764028800000');
    expect(sut.stdout).toContain(':***@');
    expect(sut.stdout + sut.stderr).not.toContain(`:${withPassword.password}@`);
  });
});
