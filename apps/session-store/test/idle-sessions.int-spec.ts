import { Bus, leaseBucketName } from '@voxbridge/bus';
import { DEAD_LETTER_DOMAIN, namespaced, SessionSubjects, streamName, type SessionDto, type SessionType } from '@voxbridge/contracts';
import { runMigrations } from '@voxbridge/persistence';
import { bootService, type RunningService } from '@voxbridge/service-testing';
import { createTestDatabase, dropDatabase, expectEventually, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { AppModule } from '../src/app.module';
import { SessionStoreEnv } from '../src/config/session-store.env';
import { serviceSchema } from '../src/persistence/schema';
import { IdleSessionsSweeper } from '../src/sessions/idle-sessions';

// Real NATS (JetStream KV leases) + Postgres: abandoned voice sessions end. Sessions are made old
// by moving their timestamps back in SQL, and the sweep is run directly: no waiting on clocks.

const definition = { service: 'session-store' as const, env: SessionStoreEnv, module: AppModule.register.bind(AppModule) };
const IDLE_MS = 60_000;

describe(IdleSessionsSweeper.name, () => {
  const infra = testInfra();
  const namespace = uniqueNamespace();
  let databaseUrl: string;
  let service: RunningService;
  let bus: Bus;
  let db: Client;
  let sut: IdleSessionsSweeper;
  const ended: SessionDto[] = [];

  const create = (sessionType: SessionType = 'webrtc') =>
    bus.requestJson<SessionDto>(SessionSubjects.create, { user_id: 'u-idle', agent_id: randomUUID(), session_type: sessionType });
  const get = (id: string) => bus.requestJson<SessionDto>(SessionSubjects.get, { id });
  /** Moves the session's start (and last sign of life) this far into the past. */
  const age = async (id: string, ms: number) => {
    await db.query(
      `update "session_store"."sessions" set "started_at" = now() - make_interval(secs => $2::double precision / 1000),
         "last_seen_at" = case when "last_seen_at" is null then null else now() - make_interval(secs => $2::double precision / 1000) end
       where "id" = $1`,
      [id, ms],
    );
  };
  const leases = () => bus.connection.jetstream().views.kv(leaseBucketName(namespace, 'llm'), { history: 1, ttl: 60_000 });

  beforeAll(async () => {
    databaseUrl = await createTestDatabase(infra.serverUrl, 'vb_session_store_idle');
    await runMigrations(databaseUrl, [serviceSchema]);
    service = await bootService(definition, {
      NATS_URL: infra.natsUrl,
      DATABASE_URL: databaseUrl,
      VOXBRIDGE_NAMESPACE: namespace,
      SESSION_IDLE_END_MS: String(IDLE_MS),
    });
    sut = service.app.get(IdleSessionsSweeper);
    bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'session-store-idle-test' });
    bus.connection.subscribe(namespaced(namespace, SessionSubjects.sessionEnded), {
      callback: (_, msg) => ended.push(JSON.parse(new TextDecoder().decode(msg.data)) as SessionDto),
    });
    await bus.connection.flush();
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    const jsm = await bus?.connection.jetstreamManager();
    for (const domain of ['sessions', 'agents', DEAD_LETTER_DOMAIN]) await jsm?.streams.delete(streamName(namespace, domain)).catch(() => false);
    await (await leases().catch(() => undefined))?.destroy().catch(() => false);
    await bus?.drain();
    await service?.close();
    if (databaseUrl) await dropDatabase(infra.serverUrl, databaseUrl);
  });

  it('ends a voice session nobody is connected to once it has been idle for the grace period, and announces it', async () => {
    const abandoned = await create();
    const fresh = await create();
    const api = await create('api');
    await age(abandoned.id, IDLE_MS + 5_000);
    await age(api.id, IDLE_MS + 5_000);

    const endedNow = await sut.sweep();

    expect(endedNow).toEqual([abandoned.id]);
    expect(await get(abandoned.id)).toMatchObject({ active: false, ended_at: expect.any(String) });
    expect(await get(fresh.id)).toMatchObject({ active: true, ended_at: null });
    expect(await get(api.id)).toMatchObject({ active: true, ended_at: null });
    await expectEventually(() => expect(ended.find((s) => s.id === abandoned.id)).toMatchObject({ active: false }));
    expect(await sut.sweep()).not.toContain(abandoned.id);
  });

  it('counts the grace period from the last message, not the start', async () => {
    const talking = await create();
    await age(talking.id, IDLE_MS * 3);
    await bus.requestJson(SessionSubjects.appendMessage, { session_id: talking.id, role: 'user', content: 'still here' });

    expect(await sut.sweep()).not.toContain(talking.id);
    expect(await get(talking.id)).toMatchObject({ active: true });
  });

  it('keeps a session a gateway still holds, and ends it a grace period after the socket went', async () => {
    const connected = await create();
    await age(connected.id, IDLE_MS * 3);
    const bucket = await leases();
    await bucket.put(connected.id, randomUUID());

    expect(await sut.sweep()).not.toContain(connected.id);
    expect(await get(connected.id)).toMatchObject({ active: true });

    await bucket.delete(connected.id); // the socket went: the gateway released the pipeline
    expect(await sut.sweep()).not.toContain(connected.id); // seen alive a moment ago
    await age(connected.id, IDLE_MS + 1_000);
    expect(await sut.sweep()).toEqual([connected.id]);
  });

  it('gives a resumed session a new grace period', async () => {
    const resumed = await create();
    await age(resumed.id, IDLE_MS * 2);
    await bus.requestJson(SessionSubjects.update, { id: resumed.id, active: false });
    await bus.requestJson(SessionSubjects.update, { id: resumed.id, active: true });

    expect(await sut.sweep()).not.toContain(resumed.id);
    expect(await get(resumed.id)).toMatchObject({ active: true, ended_at: null });
  });
});
