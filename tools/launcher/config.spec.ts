import { SERVICE_NAMES, SERVICES } from '@voxbridge/contracts';
import { childEnv, loadLauncherConfig, parseArgs, portPlan, replicaPlan } from './config';
import { LauncherError, LauncherErrorCode } from './launcher.errors';

describe(portPlan.name, () => {
  it('gives every service its default port with the default base', () => {
    expect(portPlan(4900)).toEqual(SERVICE_NAMES.map((service) => ({ service, port: SERVICES[service].defaultPort })));
  });

  it('shifts the whole fleet with the base, keeping each offset', () => {
    const sut = portPlan(31000);
    expect(sut.find((p) => p.service === 'agent-api')?.port).toBe(31000);
    expect(sut.find((p) => p.service === 'stt-gateway')?.port).toBe(31003);
    expect(sut.find((p) => p.service === 'plugin-supervisor')?.port).toBe(31007);
    expect(new Set(sut.map((p) => p.port)).size).toBe(8);
  });
});

describe(replicaPlan.name, () => {
  it('is the port plan, one process per service, named after the service, with one replica', () => {
    const sut = replicaPlan(4900, 1);
    expect(sut).toEqual(portPlan(4900).map(({ service, port }) => ({ service, replica: 1, name: service, port })));
  });

  it('runs N replicas of each pipeline worker, named <service>#<n>, and one of every other service', () => {
    const sut = replicaPlan(4900, 3);
    expect(sut.map((p) => p.name)).toEqual([
      'agent-api',
      'webrtc-gateway',
      'session-store',
      'stt-gateway#1',
      'stt-gateway#2',
      'stt-gateway#3',
      'llm-router#1',
      'llm-router#2',
      'llm-router#3',
      'tts-gateway#1',
      'tts-gateway#2',
      'tts-gateway#3',
      'discord-connector',
      'plugin-supervisor',
    ]);
    expect(sut.filter((p) => p.service === 'llm-router').map((p) => p.replica)).toEqual([1, 2, 3]);
  });

  it('keeps every service on its own port and gives the extra replicas the ports after the block, worker by worker', () => {
    const sut = replicaPlan(31000, 3);
    const ports = Object.fromEntries(sut.map((p) => [p.name, p.port]));
    expect(ports).toEqual({
      'agent-api': 31000,
      'webrtc-gateway': 31001,
      'session-store': 31002,
      'stt-gateway#1': 31003,
      'llm-router#1': 31004,
      'tts-gateway#1': 31005,
      'discord-connector': 31006,
      'plugin-supervisor': 31007,
      'stt-gateway#2': 31008,
      'stt-gateway#3': 31009,
      'llm-router#2': 31010,
      'llm-router#3': 31011,
      'tts-gateway#2': 31012,
      'tts-gateway#3': 31013,
    });
  });

  it('uses a contiguous block of distinct ports with the most replicas', () => {
    const ports = replicaPlan(20000, 8).map((p) => p.port).sort((a, b) => a - b);
    expect(ports).toEqual(Array.from({ length: 8 + 3 * 7 }, (_, i) => 20000 + i));
  });
});

describe(parseArgs.name, () => {
  it('runs one replica without providers faked by default, and with --fake-providers', () => {
    expect(parseArgs([])).toEqual({ kind: 'run', fakeProviders: false, replicas: 1 });
    expect(parseArgs(['--fake-providers'])).toEqual({ kind: 'run', fakeProviders: true, replicas: 1 });
  });

  it('reads --replicas N and --replicas=N, beside other options', () => {
    expect(parseArgs(['--replicas', '2'])).toEqual({ kind: 'run', fakeProviders: false, replicas: 2 });
    expect(parseArgs(['--replicas=8', '--fake-providers'])).toEqual({ kind: 'run', fakeProviders: true, replicas: 8 });
    expect(parseArgs(['--fake-providers', '--replicas', '1'])).toEqual({ kind: 'run', fakeProviders: true, replicas: 1 });
  });

  it.each([['0'], ['9'], ['-1'], ['2.5'], ['two'], [''], ['1e1'], [' 2']])('refuses --replicas %j with a usage error naming the flag and the range', (value) => {
    const usage = expect.objectContaining({ code: LauncherErrorCode.Usage, message: expect.stringContaining('--replicas must be an integer from 1 to 8') });
    expect(() => parseArgs(['--replicas', value])).toThrow(usage);
    expect(() => parseArgs([`--replicas=${value}`])).toThrow(usage);
  });

  it('refuses --replicas without its number', () => {
    const usage = expect.objectContaining({ code: LauncherErrorCode.Usage, message: expect.stringContaining('--replicas needs a number from 1 to 8') });
    expect(() => parseArgs(['--replicas'])).toThrow(usage);
    expect(() => parseArgs(['--replicas', '--fake-providers'])).toThrow(usage);
  });

  it('asks for help with --help or -h, whatever else is given', () => {
    expect(parseArgs(['--fake-providers', '--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['-h'])).toEqual({ kind: 'help' });
    expect(parseArgs(['--replicas', '99', '--help'])).toEqual({ kind: 'help' });
  });

  it('refuses an unknown argument with a usage error naming it', () => {
    expect(() => parseArgs(['--fast'])).toThrow(expect.objectContaining({ code: LauncherErrorCode.Usage, message: expect.stringContaining('"--fast"') }));
  });
});

describe(loadLauncherConfig.name, () => {
  it('uses the defaults: home in the repository, namespace vb, base 4900, embedded Postgres on 5488', () => {
    const sut = loadLauncherConfig({}, '/repo', { fakeProviders: false, replicas: 1 });
    expect(sut).toEqual({
      home: '/repo/.voxbridge',
      namespace: 'vb',
      portBase: 4900,
      pgPort: 5488,
      databaseUrl: undefined,
      natsUrl: undefined,
      httpHost: '0.0.0.0',
      fakeProviders: false,
      replicas: 1,
    });
  });

  it('reads every variable it documents', () => {
    const sut = loadLauncherConfig(
      {
        VOXBRIDGE_HOME: '/tmp/vb-home',
        VOXBRIDGE_NAMESPACE: 'e2e_1',
        VOXBRIDGE_PORT_BASE: '20000',
        VOXBRIDGE_PG_PORT: '20100',
        DATABASE_URL: 'postgres://u:p@db:5432/x',
        NATS_URL: 'nats://a:4222,nats://b:4222',
        HTTP_HOST: '127.0.0.1',
      },
      '/repo',
      { fakeProviders: true, replicas: 3 },
    );
    expect(sut).toEqual({
      home: '/tmp/vb-home',
      namespace: 'e2e_1',
      portBase: 20000,
      pgPort: 20100,
      databaseUrl: 'postgres://u:p@db:5432/x',
      natsUrl: 'nats://a:4222,nats://b:4222',
      httpHost: '127.0.0.1',
      fakeProviders: true,
      replicas: 3,
    });
  });

  it('lists every bad variable at once', () => {
    let error: unknown;
    try {
      loadLauncherConfig(
        { VOXBRIDGE_NAMESPACE: 'Bad.NS', VOXBRIDGE_PORT_BASE: '65530', VOXBRIDGE_PG_PORT: 'x', DATABASE_URL: 'mysql://x', NATS_URL: 'http://x' },
        '/r',
        { fakeProviders: false, replicas: 1 },
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LauncherError);
    const message = (error as LauncherError).message;
    for (const key of ['VOXBRIDGE_NAMESPACE', 'VOXBRIDGE_PORT_BASE', 'VOXBRIDGE_PG_PORT', 'DATABASE_URL', 'NATS_URL']) expect(message).toContain(key);
    expect((error as LauncherError).code).toBe(LauncherErrorCode.BadConfig);
  });

  it('does not print the value of DATABASE_URL when it is wrong (it may hold a password)', () => {
    expect(() => loadLauncherConfig({ DATABASE_URL: 'mysql://root:hunter2@db/x' }, '/r', { fakeProviders: false, replicas: 1 })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });

  it('keeps room under port 65535 for the replicas after the block', () => {
    const env = { VOXBRIDGE_PORT_BASE: '65510' };
    expect(loadLauncherConfig(env, '/r', { fakeProviders: false, replicas: 1 }).portBase).toBe(65510);
    expect(() => loadLauncherConfig(env, '/r', { fakeProviders: false, replicas: 8 })).toThrow(
      expect.objectContaining({ code: LauncherErrorCode.BadConfig, message: expect.stringContaining('VOXBRIDGE_PORT_BASE must be an integer from 1024 to 65507') }),
    );
  });
});

describe(childEnv.name, () => {
  const input = { natsUrl: 'nats://n:4222', databaseUrl: 'postgres://d/x', namespace: 'vb', port: 4903, terminal: false, fakeProviders: false };

  it('passes the fleet settings over the inherited environment', () => {
    const sut = childEnv({ HTTP_PORT: '1', NATS_URL: 'nats://old:1', LOG_LEVEL: 'debug' }, input);
    expect(sut).toMatchObject({ NATS_URL: 'nats://n:4222', DATABASE_URL: 'postgres://d/x', VOXBRIDGE_NAMESPACE: 'vb', HTTP_PORT: '4903', LOG_LEVEL: 'debug' });
  });

  it('asks for JSON logs when the launcher is not writing to a terminal, pretty coloured ones when it is', () => {
    expect(childEnv({}, input)['LOG_FORMAT']).toBe('json');
    expect(childEnv({}, input)['FORCE_COLOR']).toBeUndefined();
    expect(childEnv({}, { ...input, terminal: true })).toMatchObject({ LOG_FORMAT: 'pretty', FORCE_COLOR: '1' });
    expect(childEnv({ NO_COLOR: '1' }, { ...input, terminal: true })['FORCE_COLOR']).toBeUndefined();
  });

  it('keeps a LOG_FORMAT the user chose', () => {
    expect(childEnv({ LOG_FORMAT: 'json' }, { ...input, terminal: true })['LOG_FORMAT']).toBe('json');
  });

  it('gives the bootstrap admin key to agent-api only, the encryption key to every service', () => {
    const secrets = { bootstrapAdminKey: 'vbk_admin', encryptionKey: 'k20261125:abc' };
    expect(childEnv({}, { ...input, ...secrets, service: 'agent-api' })).toMatchObject({ VOXBRIDGE_BOOTSTRAP_ADMIN_KEY: 'vbk_admin', VOXBRIDGE_ENCRYPTION_KEY: 'k20261125:abc' });
    const other = childEnv({}, { ...input, ...secrets, service: 'plugin-supervisor' });
    expect(other['VOXBRIDGE_BOOTSTRAP_ADMIN_KEY']).toBeUndefined();
    expect(other['VOXBRIDGE_ENCRYPTION_KEY']).toBe('k20261125:abc');
  });

  it('passes the user\'s own keys through when the launcher manages none', () => {
    const sut = childEnv({ VOXBRIDGE_BOOTSTRAP_ADMIN_KEY: 'vbk_mine', VOXBRIDGE_ENCRYPTION_KEY: 'mine:x' }, { ...input, service: 'agent-api' });
    expect(sut).toMatchObject({ VOXBRIDGE_BOOTSTRAP_ADMIN_KEY: 'vbk_mine', VOXBRIDGE_ENCRYPTION_KEY: 'mine:x' });
  });

  it('sets VOXBRIDGE_FAKE_PROVIDERS only with --fake-providers', () => {
    expect(childEnv({}, input)['VOXBRIDGE_FAKE_PROVIDERS']).toBeUndefined();
    expect(childEnv({}, { ...input, fakeProviders: true })['VOXBRIDGE_FAKE_PROVIDERS']).toBe('1');
  });
});
