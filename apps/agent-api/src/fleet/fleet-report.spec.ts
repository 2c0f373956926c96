import { SERVICE_NAMES, type FleetHealthReply, type ProviderState, type ServiceName } from '@voxbridge/contracts';
import { randomUUID } from 'node:crypto';
import { everyServiceAnswered, fleetProviders, fleetReport } from './fleet-report';

const reply = (service: ServiceName, overrides: Partial<FleetHealthReply> = {}): FleetHealthReply => ({
  service,
  instance_id: randomUUID(),
  version: '0.1.0',
  uptime_ms: 1_000,
  status: 'healthy',
  checks: { nats: 'up' },
  ...overrides,
});

describe(fleetReport.name, () => {
  const at = new Date('2026-11-25T00:00:00Z');

  it('reports every service healthy when each answered healthy', () => {
    const sut = fleetReport('vb', SERVICE_NAMES.map((s) => reply(s)), at);
    expect(sut.status).toBe('healthy');
    expect(sut.services.map((s) => [s.name, s.status, s.replicas])).toEqual(SERVICE_NAMES.map((s) => [s, 'healthy', 1]));
    expect(sut.checked_at).toBe('2026-11-25T00:00:00.000Z');
  });

  it('reports a silent service unreachable with no version or uptime, and the fleet degraded', () => {
    const sut = fleetReport('vb', SERVICE_NAMES.filter((s) => s !== 'tts-gateway').map((s) => reply(s)), at);
    const tts = sut.services.find((s) => s.name === 'tts-gateway');
    expect(tts).toEqual({ name: 'tts-gateway', status: 'unreachable', version: null, uptime_ms: null, replicas: 0, instances: [] });
    expect(sut.status).toBe('degraded');
  });

  it('counts distinct replicas, keeps the longest uptime and the newest version', () => {
    const instance = randomUUID();
    const sut = fleetReport(
      'vb',
      [
        reply('stt-gateway', { instance_id: instance, uptime_ms: 5_000, version: '0.1.0' }),
        reply('stt-gateway', { instance_id: instance, uptime_ms: 5_001, version: '0.1.0' }),
        reply('stt-gateway', { uptime_ms: 9_000, version: '0.1.0' }),
        reply('stt-gateway', { uptime_ms: 2_000, version: '0.10.2' }),
      ],
      at,
    );
    const stt = sut.services.find((s) => s.name === 'stt-gateway');
    expect(stt?.replicas).toBe(3);
    expect(stt?.uptime_ms).toBe(9_000);
    expect(stt?.version).toBe('0.10.2');
  });

  it('marks a service degraded when any replica is not ready', () => {
    const sut = fleetReport('vb', [reply('session-store'), reply('session-store', { status: 'degraded', checks: { database: 'down: timeout' } })], at);
    expect(sut.services.find((s) => s.name === 'session-store')?.status).toBe('degraded');
  });
});

describe(everyServiceAnswered.name, () => {
  it('is true only once all eight services are present', () => {
    const all = SERVICE_NAMES.map((s) => reply(s));
    expect(everyServiceAnswered(all)).toBe(true);
    expect(everyServiceAnswered(all.slice(1))).toBe(false);
    expect(everyServiceAnswered([])).toBe(false);
  });
});

const provider = (overrides: Partial<ProviderState>): ProviderState => ({
  stage: 'llm',
  kind: 'auto',
  resolved: 'ollama',
  target: 'http://127.0.0.1:11434/v1',
  reachable: true,
  checked_at: '2026-11-25T00:00:00.000Z',
  ...overrides,
});

describe(`${fleetReport.name} with providers`, () => {
  const at = new Date('2026-11-25T00:00:00Z');
  const fleet = (...providers: Array<[ServiceName, ProviderState]>) =>
    SERVICE_NAMES.map((s) => reply(s, { providers: providers.filter(([name]) => name === s).map(([, p]) => p) }));

  it('is degraded though every service is healthy when a stage has no provider that answers', () => {
    const sut = fleetReport(
      'vb',
      fleet(['stt-gateway', provider({ stage: 'stt', resolved: 'local', target: 'local' })], ['llm-router', provider({ reachable: false, detail: 'ECONNREFUSED' })]),
      at,
    );
    expect(sut.services.every((s) => s.status === 'healthy')).toBe(true);
    expect(sut.status).toBe('degraded');
    expect(sut.providers.map((p) => [p.stage, p.resolved, p.reachable])).toEqual([
      ['stt', 'local', true],
      ['llm', 'ollama', false],
    ]);
    expect(sut.fake_providers).toBe(false);
  });

  it('stays healthy while a provider is not checked yet, and says when the providers are fakes', () => {
    const sut = fleetReport('vb', fleet(['llm-router', provider({ reachable: null, checked_at: null, fake: true })]), at);
    expect(sut.status).toBe('healthy');
    expect(sut.fake_providers).toBe(true);
  });
});

describe(fleetProviders.name, () => {
  it('keeps one entry per stage and provider, the most recently checked, in stage order', () => {
    const older = provider({ reachable: false, checked_at: '2026-11-25T00:00:00.000Z' });
    const newer = provider({ reachable: true, checked_at: '2026-11-25T00:00:20.000Z' });
    const tts = provider({ stage: 'tts', resolved: 'chatterbox', target: 'http://127.0.0.1:4123' });
    const sut = fleetProviders([reply('tts-gateway', { providers: [tts] }), reply('llm-router', { providers: [older] }), reply('llm-router', { providers: [newer] })]);
    expect(sut).toEqual([newer, tts]);
  });
});
