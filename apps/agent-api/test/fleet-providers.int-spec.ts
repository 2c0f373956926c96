import { Bus } from '@voxbridge/bus';
import { FleetHealthPing, FleetSubjects, type FleetHealthReport } from '@voxbridge/contracts';
import { runMigrations } from '@voxbridge/persistence';
import { describeReplica, serverReachable, ProviderReports, ReadinessRegistry, ServiceIdentity } from '@voxbridge/platform';
import { bootService, type RunningService } from '@voxbridge/service-testing';
import { createTestDatabase, dropDatabase, expectEventually, FakeChatterboxServer, freePort, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { AppModule } from '../src/app.module';
import { AgentApiEnv } from '../src/config/agent-api.env';
import { configureHttp } from '../src/http/configure-http';
import { serviceSchema } from '../src/persistence/schema';
import { newAdminKey } from './support/agent-api-harness';

const definition = { service: 'agent-api' as const, env: AgentApiEnv, module: AppModule.register.bind(AppModule), configure: configureHttp };
const adminKey = newAdminKey();

/**
 * The providers in the fleet census: two pipeline workers answer `fleet.v1.health.ping` the way
 * the platform's FleetResponder does (describeReplica with the worker's ProviderReports, real
 * checks): tts-gateway's Chatterbox is a fake server that answers, llm-router's Ollama a closed port.
 */
describe('GET /api/fleet/health with the providers of the pipeline', () => {
  const infra = testInfra();
  const namespace = uniqueNamespace('prov');
  let databaseUrl: string;
  let api: RunningService;
  let workers: Bus;
  let chatterbox: FakeChatterboxServer;
  let closedPort: number;

  const worker = (service: 'tts-gateway' | 'llm-router', reports: ProviderReports) => {
    const identity = new ServiceIdentity(service, namespace);
    const readiness = new ReadinessRegistry();
    workers.serveJson(FleetSubjects.healthPing, FleetHealthPing, () => describeReplica(identity, readiness, reports));
  };

  beforeAll(async () => {
    databaseUrl = await createTestDatabase(infra.serverUrl, 'vb_fleet_providers');
    await runMigrations(databaseUrl, [serviceSchema]);
    chatterbox = await FakeChatterboxServer.start();
    closedPort = await freePort();
    workers = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'workers' });
    const tts = new ProviderReports();
    tts.register(() => [{ stage: 'tts', kind: 'auto', resolved: 'chatterbox', target: chatterbox.url, fake: true, probe: () => serverReachable(chatterbox.url, 1_000) }]);
    const llm = new ProviderReports();
    const ollama = `http://127.0.0.1:${closedPort}/v1`;
    llm.register(() => [{ stage: 'llm', kind: 'auto', resolved: 'ollama', target: ollama, probe: () => serverReachable(ollama, 1_000) }]);
    worker('tts-gateway', tts);
    worker('llm-router', llm);
    await workers.connection.flush();
    api = await bootService(definition, {
      NATS_URL: infra.natsUrl,
      DATABASE_URL: databaseUrl,
      VOXBRIDGE_NAMESPACE: namespace,
      VOXBRIDGE_BOOTSTRAP_ADMIN_KEY: adminKey,
      FLEET_HEALTH_TIMEOUT_MS: '400',
    });
  });

  afterAll(async () => {
    await api?.close();
    await workers?.drain();
    await chatterbox?.stop();
    await dropDatabase(infra.serverUrl, databaseUrl);
  });

  const fleetHealth = async (): Promise<FleetHealthReport> => {
    const response = await fetch(`${api.baseUrl}/api/fleet/health`, { headers: { authorization: `Bearer ${adminKey}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as FleetHealthReport;
  };

  it('reports what auto resolves to and whether it answers, beside the services', async () => {
    const report = await expectEventually(async () => {
      const health = await fleetHealth();
      expect(health.providers.map((p) => p.reachable)).toEqual([false, true]);
      return health;
    });
    expect(report.providers).toEqual([
      {
        stage: 'llm',
        kind: 'auto',
        resolved: 'ollama',
        target: `http://127.0.0.1:${closedPort}/v1`,
        reachable: false,
        checked_at: expect.any(String),
        detail: 'ECONNREFUSED',
      },
      { stage: 'tts', kind: 'auto', resolved: 'chatterbox', target: chatterbox.url.replace(/\/$/, ''), reachable: true, checked_at: expect.any(String), fake: true },
    ]);
    expect(report.fake_providers).toBe(true);
    expect(report.services.find((s) => s.name === 'tts-gateway')?.status).toBe('healthy');
    expect(report.services.find((s) => s.name === 'llm-router')?.instances[0]?.providers?.[0]?.resolved).toBe('ollama');
    expect(report.status).toBe('degraded');
  });
});
