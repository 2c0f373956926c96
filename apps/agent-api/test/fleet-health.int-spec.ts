import { Bus, BusNoRespondersError } from '@voxbridge/bus';
import { controlSubject, eventSubject, FleetHealthPing, SERVICE_NAMES, type FleetHealthReport } from '@voxbridge/contracts';
import { runMigrations } from '@voxbridge/persistence';
import { bootService, type RunningService } from '@voxbridge/service-testing';
import { createTestDatabase, dropDatabase, expectEventually, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { AppModule } from '../src/app.module';
import { configureHttp } from '../src/http/configure-http';
import { AgentApiEnv } from '../src/config/agent-api.env';
import { serviceSchema } from '../src/persistence/schema';
import { newAdminKey } from './support/agent-api-harness';

const definition = { service: 'agent-api' as const, env: AgentApiEnv, module: AppModule.register.bind(AppModule), configure: configureHttp };
/** The three replicas share one fresh database, so the first boot registers this key for all. */
const adminKey = newAdminKey();

async function fleetHealth(service: RunningService): Promise<FleetHealthReport> {
  const response = await fetch(`${service.baseUrl}/api/fleet/health`, { headers: { authorization: `Bearer ${adminKey}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as FleetHealthReport;
}

async function instanceId(service: RunningService): Promise<string> {
  const body = (await (await fetch(`${service.baseUrl}/health`)).json()) as { instance_id: string };
  return body.instance_id;
}

describe('GET /api/fleet/health across two fleets on one NATS', () => {
  const infra = testInfra();
  const nsA = uniqueNamespace('a');
  const nsB = uniqueNamespace('b');
  const running: RunningService[] = [];
  let databaseUrl: string;
  const buses: Bus[] = [];
  let a1: RunningService;
  let a2: RunningService;
  let b1: RunningService;

  const boot = async (namespace: string) => {
    const service = await bootService(definition, {
      NATS_URL: infra.natsUrl,
      DATABASE_URL: databaseUrl,
      VOXBRIDGE_NAMESPACE: namespace,
      VOXBRIDGE_BOOTSTRAP_ADMIN_KEY: adminKey,
      FLEET_HEALTH_TIMEOUT_MS: '400',
    });
    running.push(service);
    return service;
  };

  beforeAll(async () => {
    databaseUrl = await createTestDatabase(infra.serverUrl, 'vb_fleet_health');
    await runMigrations(databaseUrl, [serviceSchema]);
    [a1, a2, b1] = [await boot(nsA), await boot(nsA), await boot(nsB)];
  });

  afterAll(async () => {
    for (const bus of buses) await bus.drain();
    for (const service of running) await service.close();
    await dropDatabase(infra.serverUrl, databaseUrl);
  });

  it('counts both agent-api replicas of fleet A and reports the silent services unreachable', async () => {
    const report = await fleetHealth(a1);
    expect(report.namespace).toBe(nsA);
    expect(report.services.map((s) => s.name)).toEqual(SERVICE_NAMES);
    const api = report.services.find((s) => s.name === 'agent-api');
    expect(api).toMatchObject({ status: 'healthy', replicas: 2, version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(new Set(api?.instances.map((i) => i.instance_id))).toEqual(new Set([await instanceId(a1), await instanceId(a2)]));
    for (const other of report.services.filter((s) => s.name !== 'agent-api')) {
      expect(other).toMatchObject({ status: 'unreachable', replicas: 0, version: null, uptime_ms: null });
    }
    expect(report.status).toBe('degraded');
  });

  it('shows fleet B only its own replica', async () => {
    const report = await fleetHealth(b1);
    const api = report.services.find((s) => s.name === 'agent-api');
    expect(api?.replicas).toBe(1);
    expect(api?.instances[0]?.instance_id).toBe(await instanceId(b1));
  });

  it('does not deliver events or requests across namespaces', async () => {
    const [busA, busB] = [
      await Bus.connect({ servers: infra.natsUrl, namespace: nsA, name: 'test-a' }),
      await Bus.connect({ servers: infra.natsUrl, namespace: nsB, name: 'test-b' }),
    ];
    buses.push(busA, busB);
    const subject = eventSubject('agents', 'agent', 'updated');
    const seenA: FleetHealthPing[] = [];
    const seenB: FleetHealthPing[] = [];
    busA.subscribeJson(subject, FleetHealthPing, (value) => void seenA.push(value));
    busB.subscribeJson(subject, FleetHealthPing, (value) => void seenB.push(value));
    await busA.connection.flush();
    await busB.connection.flush();

    busA.publishJson(subject, { request_id: '0e6b8f7c-1f0a-4c1e-9a57-7d3c1c1e2f10' });
    await expectEventually(() => expect(seenA).toHaveLength(1));
    // B's subscription saw nothing; a round trip through B's connection proves delivery had its chance.
    await busB.connection.flush();
    expect(seenB).toHaveLength(0);

    // A subject no real service serves (agent-api itself answers agents.v1.agent.get in fleet A).
    const onlyInB = controlSubject('fleet', 'probe', 'only-in-b');
    busB.serveJson(onlyInB, FleetHealthPing, () => ({ from: 'b' }));
    await busB.connection.flush();
    await expect(busA.requestJson(onlyInB, {}, { timeoutMs: 1_000 })).rejects.toBeInstanceOf(BusNoRespondersError);
    await expect(busB.requestJson(onlyInB, {}, { timeoutMs: 1_000 })).resolves.toEqual({ from: 'b' });
  });
});
