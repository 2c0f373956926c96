import { Bus } from '@voxbridge/bus';
import {
  DEAD_LETTER_DOMAIN,
  ErrorCode,
  namespaced,
  SessionSubjects,
  streamName,
  type MessageDto,
  type SessionDto,
  type SessionPage,
  type Subject,
} from '@voxbridge/contracts';
import { runMigrations } from '@voxbridge/persistence';
import { bootService, remoteFailure, type RunningService } from '@voxbridge/service-testing';
import { createTestDatabase, dropDatabase, expectEventually, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { SessionStoreEnv } from '../src/config/session-store.env';
import { serviceSchema } from '../src/persistence/schema';

// Real NATS + Postgres: session-store in its own database and namespace, driven over the bus.

const definition = { service: 'session-store' as const, env: SessionStoreEnv, module: AppModule.register.bind(AppModule) };

describe('session-store control plane', () => {
  const infra = testInfra();
  const namespace = uniqueNamespace();
  let databaseUrl: string;
  let service: RunningService;
  let bus: Bus;
  const live = new Map<string, unknown[]>();

  const request = <T extends object>(subject: Subject, body: object) => bus.requestJson<T>(subject, body);
  const create = (body: Partial<SessionDto> & { user_id: string; agent_id: string }) => request<SessionDto>(SessionSubjects.create, body);
  const get = (id: string) => request<SessionDto>(SessionSubjects.get, { id });
  const messages = async (sessionId: string) => (await request<{ items: MessageDto[] }>(SessionSubjects.listMessages, { session_id: sessionId })).items;
  const append = (sessionId: string, role: string, content: string) =>
    request<MessageDto>(SessionSubjects.appendMessage, { session_id: sessionId, role, content });
  const listAll = async (filter: object, limit: number): Promise<{ pages: SessionPage[]; items: SessionDto[] }> => {
    const pages: SessionPage[] = [];
    let cursor: string | null = null;
    do {
      const page: SessionPage = await request<SessionPage>(SessionSubjects.list, { ...filter, limit, ...(cursor ? { cursor } : {}) });
      pages.push(page);
      cursor = page.next_cursor;
    } while (cursor && pages.length < 100);
    return { pages, items: pages.flatMap((p) => p.items) };
  };

  beforeAll(async () => {
    databaseUrl = await createTestDatabase(infra.serverUrl, 'vb_session_store');
    await runMigrations(databaseUrl, [serviceSchema]);
    service = await bootService(definition, { NATS_URL: infra.natsUrl, DATABASE_URL: databaseUrl, VOXBRIDGE_NAMESPACE: namespace });
    bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'session-store-test' });
    for (const subject of [SessionSubjects.sessionCreated, SessionSubjects.sessionEnded]) {
      const received: unknown[] = [];
      live.set(subject, received);
      bus.connection.subscribe(namespaced(namespace, subject), {
        callback: (_, msg) => received.push(JSON.parse(new TextDecoder().decode(msg.data))),
      });
    }
    await bus.connection.flush();
  });

  afterAll(async () => {
    const jsm = await bus?.connection.jetstreamManager();
    for (const domain of ['sessions', 'agents', DEAD_LETTER_DOMAIN]) await jsm?.streams.delete(streamName(namespace, domain)).catch(() => false);
    await bus?.drain();
    await service?.close();
    if (databaseUrl) await dropDatabase(infra.serverUrl, databaseUrl);
  });

  it('creates a session with defaults and announces it live', async () => {
    const agentId = randomUUID();
    const sut = await create({ user_id: 'u-create', agent_id: agentId, user_name: 'Ada' });

    expect(sut).toMatchObject({
      user_id: 'u-create',
      user_name: 'Ada',
      agent_id: agentId,
      title: 'New Conversation',
      active: true,
      ended_at: null,
      session_type: 'web',
      session_metadata: {},
      message_count: 0,
    });
    expect(Date.parse(sut.started_at)).not.toBeNaN();
    expect(await get(sut.id)).toEqual(sut);
    await expectEventually(() => expect(live.get(SessionSubjects.sessionCreated)).toContainEqual(sut));
  });

  it('keeps session_type and metadata given at creation', async () => {
    const sut = await create({ user_id: 'u-meta', agent_id: randomUUID(), session_type: 'discord', session_metadata: { guild: 'g1' }, title: 'Mine' });
    expect(sut).toMatchObject({ session_type: 'discord', session_metadata: { guild: 'g1' }, title: 'Mine' });
  });

  it('refuses an invalid request before it reaches the service, naming the field', async () => {
    const error = await remoteFailure(create({ user_id: '', agent_id: 'not-a-uuid' }));
    expect(error.code).toBe(ErrorCode.ValidationFailed);
    expect(Object.keys(error.fields ?? {})).toEqual(expect.arrayContaining(['user_id', 'agent_id']));
  });

  it('answers not_found naming the id for an unknown session on every request', async () => {
    const id = randomUUID();
    for (const call of [
      () => get(id),
      () => request(SessionSubjects.update, { id, title: 'x' }),
      () => request(SessionSubjects.delete, { id }),
      () => messages(id),
      () => append(id, 'user', 'hello'),
      () => request(SessionSubjects.history, { session_id: id }),
    ]) {
      const error = await remoteFailure(call());
      expect(error.code).toBe(ErrorCode.NotFound);
      expect(error.message).toContain(id);
    }
  });

  it('renames, ends (stamping ended_at, announced live) and reactivates a session', async () => {
    const session = await create({ user_id: 'u-update', agent_id: randomUUID() });

    const renamed = await request<SessionDto>(SessionSubjects.update, { id: session.id, title: 'Trip planning' });
    expect(renamed).toMatchObject({ title: 'Trip planning', active: true, ended_at: null });

    const ended = await request<SessionDto>(SessionSubjects.update, { id: session.id, active: false });
    expect(ended.active).toBe(false);
    expect(Date.parse(ended.ended_at ?? '')).toBeGreaterThanOrEqual(Date.parse(session.started_at));
    await expectEventually(() => expect(live.get(SessionSubjects.sessionEnded)).toContainEqual(ended));

    const endedAgain = await request<SessionDto>(SessionSubjects.update, { id: session.id, active: false });
    expect(endedAgain.ended_at).toBe(ended.ended_at);

    const reactivated = await request<SessionDto>(SessionSubjects.update, { id: session.id, active: true });
    expect(reactivated).toMatchObject({ active: true, ended_at: null, title: 'Trip planning' });
    expect(live.get(SessionSubjects.sessionEnded)?.filter((e) => (e as SessionDto).id === session.id)).toHaveLength(1);
  });

  it('deletes a session with its messages', async () => {
    const session = await create({ user_id: 'u-delete', agent_id: randomUUID() });
    await append(session.id, 'user', 'to be forgotten');

    expect(await request(SessionSubjects.delete, { id: session.id })).toEqual({ id: session.id, deleted: true });

    expect((await remoteFailure(get(session.id))).code).toBe(ErrorCode.NotFound);
    expect((await remoteFailure(messages(session.id))).code).toBe(ErrorCode.NotFound);
    expect((await remoteFailure(request(SessionSubjects.delete, { id: session.id }))).code).toBe(ErrorCode.NotFound);
  });

  describe('list', () => {
    const agentA = randomUUID();
    const agentB = randomUUID();
    const user = `u-list-${randomUUID().slice(0, 8)}`;
    const created: SessionDto[] = [];

    beforeAll(async () => {
      // Created back to back, so several share a started_at millisecond: the id breaks those ties.
      for (let i = 0; i < 7; i++) created.push(await create({ user_id: user, agent_id: i < 5 ? agentA : agentB }));
      for (const session of created.slice(0, 2)) await request(SessionSubjects.update, { id: session.id, active: false });
      await append(created[0]?.id ?? '', 'user', 'one');
      await append(created[0]?.id ?? '', 'assistant', 'two');
    });

    it('pages through a user sessions newest first, every row exactly once', async () => {
      const { pages, items } = await listAll({ user_id: user }, 3);

      expect(pages.map((p) => p.items.length)).toEqual([3, 3, 1]);
      expect(pages[2]?.next_cursor).toBeNull();
      expect(new Set(items.map((s) => s.id))).toEqual(new Set(created.map((s) => s.id)));
      expect(items).toHaveLength(7);
      const order = items.map((s) => [s.started_at, s.id] as const);
      const sorted = [...order].sort((a, b) => (a[0] === b[0] ? b[1].localeCompare(a[1]) : b[0].localeCompare(a[0])));
      expect(order).toEqual(sorted);
    });

    it('filters by agent and by active, with the stored message_count on each row', async () => {
      const byAgent = await listAll({ user_id: user, agent_id: agentB }, 50);
      expect(byAgent.items.map((s) => s.id).sort()).toEqual(created.slice(5).map((s) => s.id).sort());

      const inactive = await listAll({ user_id: user, active: false }, 1);
      expect(inactive.items.map((s) => s.id).sort()).toEqual(created.slice(0, 2).map((s) => s.id).sort());
      expect(inactive.items.find((s) => s.id === created[0]?.id)?.message_count).toBe(2);

      const active = await listAll({ user_id: user, active: true, agent_id: agentA }, 50);
      expect(active.items.map((s) => s.id).sort()).toEqual(created.slice(2, 5).map((s) => s.id).sort());
    });

    it('returns 50 per page by default', async () => {
      const page = await request<SessionPage>(SessionSubjects.list, { user_id: user });
      expect(page.items).toHaveLength(7);
      expect(page.next_cursor).toBeNull();
    });

    it('refuses a cursor it did not issue as a validation error on the cursor', async () => {
      const error = await remoteFailure(request(SessionSubjects.list, { user_id: user, cursor: 'bm90LWEtY3Vyc29y' }));
      expect(error.code).toBe(ErrorCode.ValidationFailed);
      expect(error.fields).toHaveProperty('cursor');
    });
  });

  describe('search and empty sessions', () => {
    const user = `u-search-${randomUUID().slice(0, 8)}`;
    const agentId = randomUUID();
    let rome: SessionDto;
    let paris: SessionDto;
    let titled: SessionDto;
    let empty: SessionDto;
    const search = (q: string, more: object = {}) => listAll({ user_id: user, q, ...more }, 1);

    beforeAll(async () => {
      rome = await create({ user_id: user, agent_id: agentId });
      await append(rome.id, 'user', 'How tall is the Colosseum?');
      await append(rome.id, 'assistant', 'About forty-eight metres, in Rome.');
      paris = await create({ user_id: user, agent_id: agentId });
      await append(paris.id, 'user', 'Wie hoch ist der Eiffelturm?');
      titled = await create({ user_id: user, agent_id: agentId, title: 'Colosseum tickets' });
      await append(titled.id, 'user', 'hello');
      empty = await create({ user_id: user, agent_id: agentId, title: 'Colosseum, never said' });
    });

    it('finds a word said in a conversation, in any language, and not the conversations without it', async () => {
      const sut = await search('metres');
      expect(sut.items.map((s) => s.id)).toEqual([rome.id]);
      expect((await search('Eiffelturm')).items.map((s) => s.id)).toEqual([paris.id]);
      expect((await search('pyramid')).items).toEqual([]);
    });

    it('matches titles as well as message text, pages the matches newest first, and takes web-search syntax', async () => {
      const sut = await search('colosseum', { has_messages: true });
      expect(sut.items.map((s) => s.id)).toEqual([titled.id, rome.id]);
      expect(sut.pages).toHaveLength(2);
      expect((await search('colosseum -tickets', { has_messages: true })).items.map((s) => s.id)).toEqual([rome.id]);
      expect((await search('"in Rome"')).items.map((s) => s.id)).toEqual([rome.id]);
      expect((await search('?!')).items).toEqual([]);
    });

    it('leaves sessions without messages out only when asked (has_messages)', async () => {
      const all = await listAll({ user_id: user }, 50);
      expect(all.items.map((s) => s.id)).toContain(empty.id);
      const sut = await listAll({ user_id: user, has_messages: true }, 50);
      expect(sut.items.map((s) => s.id).sort()).toEqual([rome.id, paris.id, titled.id].sort());
      expect((await search('never')).items.map((s) => s.id)).toEqual([empty.id]);
      expect((await search('never', { has_messages: true })).items).toEqual([]);
    });

    it('refuses an empty or over-long search as a validation error on q', async () => {
      for (const q of ['', 'x'.repeat(201)]) {
        const error = await remoteFailure(request(SessionSubjects.list, { q }));
        expect(error.code).toBe(ErrorCode.ValidationFailed);
        expect(error.fields).toHaveProperty('q');
      }
    });
  });

  describe('messages', () => {
    it('appends messages in order, counts them and titles the session from the first user message', async () => {
      const session = await create({ user_id: 'u-msg', agent_id: randomUUID() });

      await append(session.id, 'system', 'You are helpful.');
      const first = await append(session.id, 'user', 'Could you please explain how photosynthesis works in desert plants today?');
      await append(session.id, 'assistant', 'Sure.');
      await append(session.id, 'user', 'A second question that must not rename it');

      expect(first).toMatchObject({ session_id: session.id, turn_id: null, role: 'user', interrupted: false, stt_latency_ms: null });
      expect((await messages(session.id)).map((m) => [m.role, m.content.slice(0, 12)])).toEqual([
        ['system', 'You are help'],
        ['user', 'Could you pl'],
        ['assistant', 'Sure.'],
        ['user', 'A second que'],
      ]);
      expect(await get(session.id)).toMatchObject({ title: 'Could you please explain how photosynthesis works…', message_count: 4 });
    });

    it('does not retitle a session named by its creator', async () => {
      const session = await create({ user_id: 'u-msg', agent_id: randomUUID(), title: 'Named' });
      await append(session.id, 'user', 'hello there');
      expect(await get(session.id)).toMatchObject({ title: 'Named', message_count: 1 });
    });

    it('refuses a bad role as a validation error and stores nothing', async () => {
      const session = await create({ user_id: 'u-msg', agent_id: randomUUID() });

      const error = await remoteFailure(append(session.id, 'robot', 'beep'));

      expect(error.code).toBe(ErrorCode.ValidationFailed);
      expect(error.fields).toHaveProperty('role');
      expect(await messages(session.id)).toEqual([]);
      expect(await get(session.id)).toMatchObject({ message_count: 0, title: 'New Conversation' });
    });

    it('limits a message listing to the first messages', async () => {
      const session = await create({ user_id: 'u-msg', agent_id: randomUUID() });
      for (const content of ['a', 'b', 'c']) await append(session.id, 'user', content);
      const sut = (await request<{ items: MessageDto[] }>(SessionSubjects.listMessages, { session_id: session.id, limit: 2 })).items;
      expect(sut.map((m) => m.content)).toEqual(['a', 'b']);
    });
  });
});
