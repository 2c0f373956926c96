import { SERVICE_NAMES, SERVICES } from '@voxbridge/contracts';
import { childEnv, loadLauncherConfig, parseArgs, portPlan } from './config';
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

describe(parseArgs.name, () => {
  it('runs without providers faked by default, and with --fake-providers', () => {
    expect(parseArgs([])).toEqual({ kind: 'run', fakeProviders: false });
    expect(parseArgs(['--fake-providers'])).toEqual({ kind: 'run', fakeProviders: true });
  });

  it('asks for help with --help or -h, whatever else is given', () => {
    expect(parseArgs(['--fake-providers', '--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['-h'])).toEqual({ kind: 'help' });
  });

  it('refuses an unknown argument with a usage error naming it', () => {
    expect(() => parseArgs(['--fast'])).toThrow(expect.objectContaining({ code: LauncherErrorCode.Usage, message: expect.stringContaining('"--fast"') }));
  });
});

describe(loadLauncherConfig.name, () => {
  it('uses the defaults: home in the repository, namespace vb, base 4900, embedded Postgres on 5488', () => {
    const sut = loadLauncherConfig({}, '/repo', false);
    expect(sut).toEqual({
      home: '/repo/.voxbridge',
      namespace: 'vb',
      portBase: 4900,
      pgPort: 5488,
      databaseUrl: undefined,
      natsUrl: undefined,
      httpHost: '0.0.0.0',
      fakeProviders: false,
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
      true,
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
    });
  });

  it('lists every bad variable at once', () => {
    let error: unknown;
    try {
      loadLauncherConfig({ VOXBRIDGE_NAMESPACE: 'Bad.NS', VOXBRIDGE_PORT_BASE: '65530', VOXBRIDGE_PG_PORT: 'x', DATABASE_URL: 'mysql://x', NATS_URL: 'http://x' }, '/r', false);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LauncherError);
    const message = (error as LauncherError).message;
    for (const key of ['VOXBRIDGE_NAMESPACE', 'VOXBRIDGE_PORT_BASE', 'VOXBRIDGE_PG_PORT', 'DATABASE_URL', 'NATS_URL']) expect(message).toContain(key);
    expect((error as LauncherError).code).toBe(LauncherErrorCode.BadConfig);
  });

  it('does not print the value of DATABASE_URL when it is wrong (it may hold a password)', () => {
    expect(() => loadLauncherConfig({ DATABASE_URL: 'mysql://root:hunter2@db/x' }, '/r', false)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
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
