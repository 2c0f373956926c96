import { IsInt, Min } from 'class-validator';
import { Type } from 'class-transformer';
import { ConfigError, loadConfig } from './load-config';
import { redactConfig } from './secret';
import { DatabaseServiceEnv, natsCredentials } from './service-env';

class ExampleEnv extends DatabaseServiceEnv {
  override HTTP_PORT = 4902;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  WIDGETS = 3;
}

const valid = { DATABASE_URL: 'postgres://app:hunter2@db:5432/voxbridge' };

describe(loadConfig.name, () => {
  it('applies defaults, converts numbers and ignores variables the class does not declare', () => {
    const sut = loadConfig('example', ExampleEnv, { ...valid, WIDGETS: '7', PATH: '/usr/bin', LOG_LEVEL: '' });
    expect(sut).toBeInstanceOf(ExampleEnv);
    expect(sut.WIDGETS).toBe(7);
    expect(sut.HTTP_PORT).toBe(4902);
    expect(sut.LOG_LEVEL).toBe('info');
    expect(sut.VOXBRIDGE_NAMESPACE).toBe('vb');
    expect(sut).not.toHaveProperty('PATH');
  });

  it('lists every problem at once, naming each variable', () => {
    const env = { HTTP_PORT: 'eighty', VOXBRIDGE_NAMESPACE: 'a.b', NATS_URL: 'http://x', WIDGETS: '0', LOG_LEVEL: 'loud' };
    let error: unknown;
    try {
      loadConfig('example', ExampleEnv, env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.split(':')[0]);
    expect(problems.sort()).toEqual(['DATABASE_URL', 'HTTP_PORT', 'LOG_LEVEL', 'NATS_URL', 'VOXBRIDGE_NAMESPACE', 'WIDGETS']);
    expect((error as ConfigError).message).toMatch(/^invalid configuration for example:\n {2}- /);
    expect((error as ConfigError).message).toContain('DATABASE_URL: must be a postgres:// URL (missing)');
  });

  it('never echoes a secret value in an error', () => {
    expect(() => loadConfig('example', ExampleEnv, { DATABASE_URL: 'mysql://root:hunter2@db' })).toThrow(
      /DATABASE_URL: must be a postgres:\/\/ URL \(value hidden\)/,
    );
    expect(() => loadConfig('example', ExampleEnv, { DATABASE_URL: 'mysql://root:hunter2@db' })).not.toThrow(/hunter2/);
  });

  it('redacts secrets when the config is logged', () => {
    const sut = redactConfig(loadConfig('example', ExampleEnv, valid));
    expect(sut['DATABASE_URL']).toBe('[secret]');
    expect(sut['HTTP_PORT']).toBe(4902);
    expect(JSON.stringify(sut)).not.toContain('hunter2');
  });

  it('logs in to NATS as NATS_USER with a secret NATS_PASSWORD, and refuses a user without a password', () => {
    const sut = loadConfig('example', ExampleEnv, { ...valid, NATS_USER: 'stt-gateway', NATS_PASSWORD: 's3cret-pw' });
    expect(natsCredentials(sut)).toEqual({ user: 'stt-gateway', pass: 's3cret-pw' });
    expect(JSON.stringify(redactConfig(sut))).not.toContain('s3cret-pw');
    expect(natsCredentials(loadConfig('example', ExampleEnv, valid))).toEqual({});
    expect(() => loadConfig('example', ExampleEnv, { ...valid, NATS_USER: 'stt-gateway' })).toThrow(/NATS_PASSWORD: must be set when NATS_USER is/);
    expect(() => loadConfig('example', ExampleEnv, { ...valid, NATS_USER: 'no spaces' })).toThrow(/NATS_USER/);
  });
});
