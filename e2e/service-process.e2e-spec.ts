import { ServiceExitCode } from '@voxbridge/contracts';
import { expectEventually, freePort, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';

/** One service as the launcher, Compose or Kubernetes runs it: a process with an environment. */
const root = join(__dirname, '..');
const entry = (service: string) => join(root, 'dist', 'apps', service, 'src', 'main.js');

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(service: string, env: Record<string, string>, ipc = false): Run {
  const child = spawn(process.execPath, [entry(service)], {
    env: { PATH: process.env['PATH'] ?? '', LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

function logLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('a service process', () => {
  const infra = testInfra();
  const running: Run[] = [];
  afterAll(() => running.forEach((r) => r.child.exitCode === null && r.child.kill('SIGKILL')));

  it('refuses to boot on bad config, listing every problem, and exits non-zero', async () => {
    const sut = run('session-store', { HTTP_PORT: 'eighty', VOXBRIDGE_NAMESPACE: 'a.b', NATS_URL: 'http://nats', LOG_LEVEL: 'chatty' });
    running.push(sut);
    const { code } = await sut.exit;
    expect(code).toBe(ServiceExitCode.BadConfig);
    for (const variable of ['HTTP_PORT', 'VOXBRIDGE_NAMESPACE', 'NATS_URL', 'LOG_LEVEL', 'DATABASE_URL']) {
      expect(sut.stderr()).toMatch(new RegExp(`^  - ${variable}: `, 'm'));
    }
    expect(sut.stderr()).toContain('invalid configuration for session-store');
  });

  it('serves until SIGTERM, then drains and exits 0', async () => {
    const port = await freePort();
    const sut = run('session-store', {
      NATS_URL: infra.natsUrl,
      DATABASE_URL: infra.databaseUrl,
      VOXBRIDGE_NAMESPACE: uniqueNamespace(),
      HTTP_PORT: String(port),
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
    });
    running.push(sut);
    await expectEventually(async () => expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200), {
      timeoutMs: 20_000,
      intervalMs: 100,
      context: () => sut.stdout() + sut.stderr(),
    });
    const lines = logLines(sut.stdout());
    expect(lines.find((l) => l['msg'] === 'service started')).toMatchObject({ service: 'session-store', port });
    expect(lines.find((l) => l['msg'] === 'service configuration')).toMatchObject({ config: { DATABASE_URL: '[secret]' } });
    expect(sut.stdout()).not.toContain(infra.databaseUrl);

    sut.child.kill('SIGTERM');
    expect(await sut.exit).toEqual({ code: 0, signal: null });
    expect(logLines(sut.stdout()).map((l) => l['msg'])).toEqual(expect.arrayContaining(['service stopping', 'service stopped']));
  });

  it('stops by itself when the launcher that started it disappears (IPC channel closed)', async () => {
    const port = await freePort();
    const sut = run('stt-gateway', { NATS_URL: infra.natsUrl, VOXBRIDGE_NAMESPACE: uniqueNamespace(), HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1' }, true);
    running.push(sut);
    await expectEventually(async () => expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    sut.child.disconnect();
    expect(await sut.exit).toEqual({ code: 0, signal: null });
  });

  it('names the port when it is already in use, and exits non-zero', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const sut = run('tts-gateway', { NATS_URL: infra.natsUrl, VOXBRIDGE_NAMESPACE: uniqueNamespace(), HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1' });
      running.push(sut);
      expect((await sut.exit).code).toBe(ServiceExitCode.Failed);
      expect(logLines(sut.stdout())).toEqual(expect.arrayContaining([expect.objectContaining({ level: 'fatal', msg: 'HTTP port already in use', port })]));
    } finally {
      blocker.close();
    }
  });
});
