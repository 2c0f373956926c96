import { Bus } from '@voxbridge/bus';
import { SessionSubjects, type SessionDto, type SessionPage } from '@voxbridge/contracts';
import { runMigrations } from '@voxbridge/persistence';
import { bootService, type RunningService } from '@voxbridge/service-testing';
import { createTestDatabase, dropDatabase, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { AppModule } from '../src/app.module';
import { SessionStoreEnv } from '../src/config/session-store.env';
import { serviceSchema } from '../src/persistence/schema';

// Real NATS + Postgres: which API key created each session, kept for agent-api's access rule.

const definition = { service: 'session-store' as const, env: SessionStoreEnv, module: AppModule.register.bind(AppModule) };

describe('session-store: the key that created a session', () => {
  const infra = testInfra();
  const namespace = uniqueNamespace();
  let databaseUrl: string;
  let service: RunningService;
  let bus: Bus;
  const keyA = randomUUID();
  const keyB = randomUUID();

  const create = (body: object) => bus.requestJson<SessionDto>(SessionSubjects.create, body);
  const list = (filter: object) => bus.requestJson<SessionPage>(SessionSubjects.list, { limit: 200, ...filter });

  beforeAll(async () => {
    databaseUrl = await createTestDatabase(infra.serverUrl, 'vb_session_store');
    await runMigrations(databaseUrl, [serviceSchema]);
    service = await bootService(definition, { NATS_URL: infra.natsUrl, DATABASE_URL: databaseUrl, VOXBRIDGE_NAMESPACE: namespace });
    bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'session-owner-test' });
  });

  afterAll(async () => {
    await bus?.drain();
    await service?.close();
    if (databaseUrl) await dropDatabase(infra.serverUrl, databaseUrl);
  });

  it('stores the creating key, returns it, and lists by it', async () => {
    const agentId = randomUUID();
    const a = await create({ user_id: 'u', agent_id: agentId, created_by_key_id: keyA });
    const b = await create({ user_id: 'u', agent_id: agentId, created_by_key_id: keyB });
    const none = await create({ user_id: 'u', agent_id: agentId });
    expect([a.created_by_key_id, b.created_by_key_id, none.created_by_key_id]).toEqual([keyA, keyB, null]);
    expect((await bus.requestJson<SessionDto>(SessionSubjects.get, { id: a.id })).created_by_key_id).toBe(keyA);

    expect((await list({ created_by_key_id: keyA })).items.map((s) => s.id)).toEqual([a.id]);
    expect((await list({ agent_id: agentId })).items.map((s) => s.id).sort()).toEqual([a.id, b.id, none.id].sort());
  });

  it('takes the creator only from created_by_key_id, never from a user_id that looks like a key', async () => {
    const agentId = randomUUID();
    const lookalike = await create({ user_id: `key:${keyA}`, agent_id: agentId, session_type: 'webrtc' });
    const named = await create({ user_id: `key:${keyA}`, agent_id: agentId, session_type: 'webrtc', created_by_key_id: keyB });
    expect([lookalike.created_by_key_id, named.created_by_key_id]).toEqual([null, keyB]);
  });

  it('leaves sessions from before the migration without a key (admin keys only)', async () => {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ is_nullable: string; data_type: string }>(
        `select is_nullable, data_type from information_schema.columns where table_schema = 'session_store' and table_name = 'sessions' and column_name = 'created_by_key_id'`,
      );
      expect(rows).toEqual([{ is_nullable: 'YES', data_type: 'uuid' }]);
    } finally {
      await client.end();
    }
  });
});
