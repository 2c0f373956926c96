import { Bus } from '@voxbridge/bus';
import { ErrorCode, SessionSubjects, type SessionDto } from '@voxbridge/contracts';
import { runMigrations } from '@voxbridge/persistence';
import { bootService, type RunningService } from '@voxbridge/service-testing';
import { createTestDatabase, DatabaseProxy, dropDatabase, expectEventually, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { SessionStoreEnv } from '../src/config/session-store.env';
import { serviceSchema } from '../src/persistence/schema';

// Real NATS + Postgres, with a TCP proxy the test controls between session-store and Postgres:
// cutting it is a Postgres that died, freezing it one that hangs (SIGSTOP), deterministically.

const definition = { service: 'session-store' as const, env: SessionStoreEnv, module: AppModule.register.bind(AppModule) };

describe('session-store when its database fails (real NATS and Postgres behind a proxy)', () => {
  const infra = testInfra();
  const namespace = uniqueNamespace();
  let databaseUrl: string;
  let proxy: DatabaseProxy;
  let service: RunningService;
  let bus: Bus;

  const get = (id: string) => bus.requestJson<SessionDto>(SessionSubjects.get, { id }, { timeoutMs: 8_000 });
  const ready = async () => {
    const response = await fetch(`${service.baseUrl}/ready`);
    return { status: response.status, body: (await response.json()) as { checks: Record<string, string> } };
  };

  beforeAll(async () => {
    databaseUrl = await createTestDatabase(infra.serverUrl, 'vb_session_store');
    await runMigrations(databaseUrl, [serviceSchema]);
    proxy = new DatabaseProxy(databaseUrl);
    service = await bootService(definition, { NATS_URL: infra.natsUrl, DATABASE_URL: await proxy.listen(), VOXBRIDGE_NAMESPACE: namespace });
    bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'session-store-outage-test' });
  });

  afterAll(async () => {
    await bus?.drain();
    await service?.close();
    await proxy?.close();
    if (databaseUrl) await dropDatabase(infra.serverUrl, databaseUrl);
  });

  afterEach(() => proxy.restore());

  it('answers database_unavailable naming its database while Postgres is down, and works again once it is back', async () => {
    const session = await bus.requestJson<SessionDto>(SessionSubjects.create, { user_id: 'u-outage', agent_id: randomUUID() });
    proxy.cut();

    const refused = await get(session.id).then(
      () => undefined,
      (error: unknown) => error as { code?: string; message?: string },
    );
    expect(refused?.code).toBe(ErrorCode.DatabaseUnavailable);
    expect(refused?.message).toMatch(/^the database of session-store is unavailable: /);

    const report = await ready();
    expect(report.status).toBe(503);
    expect(report.body.checks['database']).toMatch(/^down: /);

    proxy.restore();
    await expectEventually(async () => expect((await get(session.id)).id).toBe(session.id), { timeoutMs: 15_000 });
    await expectEventually(async () => expect((await ready()).status).toBe(200), { timeoutMs: 15_000 });
  });

  it('reports not ready at once while Postgres hangs, naming the database check that did not answer', async () => {
    proxy.freeze();
    const report = await ready();
    expect(report.status).toBe(503);
    expect(report.body.checks).toMatchObject({ nats: 'up', database: 'down: no answer within 150 ms' });
  });
});
