import { SERVICE_NAMES, type FleetHealthReply, type ServiceName } from '@voxbridge/contracts';
import { randomUUID } from 'node:crypto';
import { everyServiceAnswered, fleetReport } from './fleet-report';

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
