import { Bus, type BusSubscription } from '@voxbridge/bus';
import {
  AppendMessageRequest,
  CreateSessionRequest,
  ErrorCode,
  ListMessagesRequest,
  ListSessionsRequest,
  queueGroup,
  SessionContracts,
  SessionIdRequest,
  SessionSubjects,
  UpdateSessionRequest,
  type MessageDto,
  type SessionDto,
  type SessionPage,
} from '@voxbridge/contracts';
import { testLogger } from '@voxbridge/service-testing';
import { expectEventually, testInfra } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { appendedMessage } from './support/appended-message';
import { startAgentApi, type AgentApiHarness } from './support/agent-api-harness';

/** What session-store answers with for a refusal: the bus turns `code` and `fields` into an error reply. */
class StoreRefusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: Record<string, string[]>,
  ) {
    super(message);
  }
}

/**
 * FAKE session-store: in memory, but on the real bus, in session-store's queue group, serving the
 * real contract (request classes validated by `serveJson`, DTO shapes and error codes as replies).
 * Stands in until session-store is built; everything from HTTP down to the bus is real.
 */
class FakeSessionStore {
  readonly sessions = new Map<string, SessionDto>();
  readonly messages = new Map<string, MessageDto[]>();
  readonly listRequests: ListSessionsRequest[] = [];
  private subscriptions: BusSubscription[] = [];

  constructor(private readonly bus: Bus) {}

  start(): void {
    const queue = queueGroup(this.bus.namespace, 'session-store');
    this.subscriptions = [
      this.bus.serve(SessionContracts.create, (r) => this.create(r), { queue }),
      this.bus.serve(SessionContracts.list, (r) => this.list(r), { queue }),
      this.bus.serve(SessionContracts.get, (r) => this.find(r.id), { queue }),
      this.bus.serve(SessionContracts.update, (r) => this.update(r), { queue }),
      this.bus.serve(SessionContracts.delete, (r) => this.delete(r.id), { queue }),
      this.bus.serve(SessionContracts.listMessages, (r) => ({ items: this.listMessages(r) }), { queue }),
      this.bus.serve(SessionContracts.appendMessage, (r) => this.append(r), { queue }),
    ];
  }

  async stop(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    await Promise.all(this.subscriptions.map((s) => s.closed));
    this.subscriptions = [];
  }

  private create(r: CreateSessionRequest): SessionDto {
    const session: SessionDto = {
      id: randomUUID(),
      user_id: r.user_id,
      user_name: r.user_name ?? null,
      title: r.title ?? 'New Conversation',
      agent_id: r.agent_id,
      active: true,
      started_at: new Date().toISOString(),
      ended_at: null,
      session_type: r.session_type ?? 'api',
      session_metadata: r.session_metadata ?? {},
      message_count: 0,
    };
    this.sessions.set(session.id, session);
    this.messages.set(session.id, []);
    return session;
  }

  private list(r: ListSessionsRequest): SessionPage {
    this.listRequests.push(r);
    let offset = 0;
    if (r.cursor !== undefined) {
      offset = Number(Buffer.from(r.cursor, 'base64url').toString());
      if (!Number.isInteger(offset) || offset < 0) {
        throw new StoreRefusal(ErrorCode.ValidationFailed, 'cursor is not valid', { cursor: ['is not a cursor from a previous page'] });
      }
    }
    const matching = [...this.sessions.values()]
      .filter((s) => (r.user_id === undefined || s.user_id === r.user_id) && (r.agent_id === undefined || s.agent_id === r.agent_id))
      .filter((s) => r.active === undefined || s.active === r.active)
      .reverse();
    const limit = r.limit ?? 50;
    const items = matching.slice(offset, offset + limit);
    const more = offset + limit < matching.length;
    return { items, next_cursor: more ? Buffer.from(String(offset + limit)).toString('base64url') : null };
  }

  private find(id: string): SessionDto {
    const session = this.sessions.get(id);
    if (!session) throw new StoreRefusal(ErrorCode.NotFound, `session ${id} not found`);
    return { ...session, message_count: this.messages.get(id)?.length ?? 0 };
  }

  private update(r: UpdateSessionRequest): SessionDto {
    const session = this.find(r.id);
    if (r.title !== undefined) session.title = r.title;
    if (r.active === false && session.active) session.ended_at = new Date().toISOString();
    if (r.active !== undefined) session.active = r.active;
    this.sessions.set(session.id, session);
    return session;
  }

  private delete(id: string): { id: string; deleted: true } {
    this.find(id);
    this.sessions.delete(id);
    this.messages.delete(id);
    return { id, deleted: true };
  }

  private listMessages(r: ListMessagesRequest): MessageDto[] {
    this.find(r.session_id);
    return (this.messages.get(r.session_id) ?? []).slice(0, r.limit ?? 1000);
  }

  private append(r: AppendMessageRequest): MessageDto {
    this.find(r.session_id);
    const message = appendedMessage(r);
    this.messages.get(r.session_id)?.push(message);
    return message;
  }
}

/** An agent row as the agents feature stores it (only the columns without defaults). */
async function insertAgent(api: AgentApiHarness): Promise<string> {
  const rows: Array<{ id: string }> = await api.service.app
    .get(DataSource)
    .query('insert into agent_api.agents (name, system_prompt, llm_model) values ($1, $2, $3) returning id', [
      `sessions-test-${randomUUID()}`,
      'You are a test agent.',
      'test/model',
    ]);
  const id = rows[0]?.id;
  if (!id) throw new Error('agent insert returned no id');
  return id;
}

describe('/api/sessions (agent-api real; session-store FAKE on the real bus)', () => {
  let api: AgentApiHarness;
  let bus: Bus;
  let store: FakeSessionStore;
  let agentId: string;

  beforeAll(async () => {
    api = await startAgentApi();
    bus = await Bus.connect({ servers: testInfra().natsUrl, namespace: api.namespace, name: 'fake-session-store', logger: testLogger('fake-session-store') });
    store = new FakeSessionStore(bus);
    store.start();
    agentId = await insertAgent(api);
  });

  afterAll(async () => {
    await store?.stop();
    await bus?.drain();
    await api?.close();
  });

  const createSession = async (body: Record<string, unknown> = {}) => {
    const response = await api.request('POST', '/api/sessions', { user_id: 'user-1', agent_id: agentId, ...body });
    expect(response.status).toBe(201);
    return response.body as SessionDto;
  };

  describe('with session-store answering', () => {
    it('creates, reads, renames, ends, lists messages of and deletes a session', async () => {
      const created = await createSession({ title: 'Trip planning', session_metadata: { source: 'crm' } });
      expect(created).toMatchObject({ user_id: 'user-1', agent_id: agentId, title: 'Trip planning', active: true, session_metadata: { source: 'crm' } });

      const appended = await api.request('POST', `/api/sessions/${created.id}/messages`, { role: 'user', content: 'hello', speaker: 'Ada' });
      expect(appended.status).toBe(201);
      expect(appended.body).toMatchObject({ session_id: created.id, role: 'user', content: 'hello', speaker: 'Ada', turn_id: null });

      const messages = await api.request('GET', `/api/sessions/${created.id}/messages?limit=10`);
      expect(messages.status).toBe(200);
      expect((messages.body as MessageDto[]).map((m) => m.content)).toEqual(['hello']);

      const fetched = await api.request('GET', `/api/sessions/${created.id}`);
      expect(fetched).toMatchObject({ status: 200, body: { id: created.id, message_count: 1 } });

      const ended = await api.request('PATCH', `/api/sessions/${created.id}`, { title: 'Rome', active: false });
      expect(ended).toMatchObject({ status: 200, body: { title: 'Rome', active: false, ended_at: expect.any(String) } });

      const deleted = await api.request('DELETE', `/api/sessions/${created.id}`);
      expect(deleted.status).toBe(204);
      expect(deleted.body).toBeUndefined();
      expect((await api.request('GET', `/api/sessions/${created.id}`)).status).toBe(404);
    });

    it('passes list filters to session-store typed, and pages with next_cursor', async () => {
      const user = `pager-${randomUUID()}`;
      const [first, second, third] = [await createSession({ user_id: user }), await createSession({ user_id: user }), await createSession({ user_id: user })];
      await api.request('PATCH', `/api/sessions/${first?.id}`, { active: false });

      const ended = await api.request('GET', `/api/sessions?user_id=${user}&active=false`);
      expect(ended.status).toBe(200);
      expect((ended.body as SessionPage).items.map((s) => s.id)).toEqual([first?.id]);
      expect(store.listRequests.at(-1)).toEqual({ user_id: user, active: false, has_messages: true });

      const page1 = await api.request('GET', `/api/sessions?user_id=${user}&agent_id=${agentId}&active=true&limit=1`);
      const body1 = page1.body as SessionPage;
      expect(body1.items.map((s) => s.id)).toEqual([third?.id]);
      expect(store.listRequests.at(-1)).toEqual({ user_id: user, agent_id: agentId, active: true, limit: 1, has_messages: true });
      const page2 = await api.request('GET', `/api/sessions?user_id=${user}&active=true&limit=1&cursor=${body1.next_cursor ?? ''}`);
      expect((page2.body as SessionPage).items.map((s) => s.id)).toEqual([second?.id]);
      expect((page2.body as SessionPage).next_cursor).toBeNull();
    });

    it('asks session-store for sessions with messages unless include_empty=true, and passes a search on (a blank one is none)', async () => {
      await api.request('GET', '/api/sessions?include_empty=true&limit=5');
      expect(store.listRequests.at(-1)).toEqual({ limit: 5 });
      await api.request('GET', `/api/sessions?q=${encodeURIComponent('  "in Rome" -Paris ')}&include_empty=false`);
      expect(store.listRequests.at(-1)).toEqual({ q: '"in Rome" -Paris', has_messages: true });
      await api.request('GET', '/api/sessions?q=%20%20');
      expect(store.listRequests.at(-1)).toEqual({ has_messages: true });
    });

    it('exports a transcript as a JSON or text attachment, with the agent by name and who said what', async () => {
      const session = await createSession({ user_name: 'Ada', title: 'Rome' });
      await api.request('POST', `/api/sessions/${session.id}/messages`, { role: 'user', content: 'How tall is the Colosseum?' });
      await api.request('POST', `/api/sessions/${session.id}/messages`, { role: 'assistant', content: 'About 48 metres.' });

      const sut = await api.request('GET', `/api/sessions/${session.id}/export`);
      expect(sut.status).toBe(200);
      expect(sut.headers.get('content-type')).toMatch(/^application\/json/);
      expect(sut.headers.get('content-disposition')).toBe(`attachment; filename="conversation-${session.id}.json"`);
      expect(sut.body).toMatchObject({
        exported_at: expect.any(String),
        agent_name: expect.stringMatching(/^sessions-test-/),
        session: { id: session.id, title: 'Rome' },
        messages: [
          { role: 'user', content: 'How tall is the Colosseum?', timeline: null },
          { role: 'assistant', content: 'About 48 metres.' },
        ],
      });

      const text = await api.request('GET', `/api/sessions/${session.id}/export?format=text`);
      expect(text.status).toBe(200);
      expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(text.headers.get('content-disposition')).toBe(`attachment; filename="conversation-${session.id}.txt"`);
      const lines = String(text.body).split('\n');
      expect(lines[0]).toBe('Rome');
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] Ada: How tall is the Colosseum\?$/),
          expect.stringMatching(/^\[[\d :-]+\] sessions-test-[\w-]+: About 48 metres\.$/),
        ]),
      );
    });

    it('refuses an unknown export format and an over-long search with 400 naming the field', async () => {
      const session = await createSession();
      const format = await api.request('GET', `/api/sessions/${session.id}/export?format=pdf`);
      expect(format).toMatchObject({ status: 400, body: { error: { code: 'validation_failed', fields: { format: ['must be json or text'] } } } });
      const before = store.listRequests.length;
      const q = await api.request('GET', `/api/sessions?q=${'x'.repeat(201)}`);
      expect(q).toMatchObject({ status: 400, body: { error: { code: 'validation_failed', fields: { q: expect.any(Array) } } } });
      expect(store.listRequests.length).toBe(before);
      expect((await api.request('GET', `/api/sessions/${randomUUID()}/export`)).status).toBe(404);
    });

    it('refuses bad query values and non-UUID ids with 400 naming the field, without asking session-store', async () => {
      const before = store.listRequests.length;
      for (const [query, field] of [['active=yes', 'active'], ['include_empty=1', 'include_empty'], ['limit=0', 'limit'], ['limit=201', 'limit'], ['agent_id=x', 'agent_id']] as const) {
        const response = await api.request('GET', `/api/sessions?${query}`);
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ error: { code: 'validation_failed', fields: { [field]: expect.any(Array) } } });
      }
      expect(store.listRequests.length).toBe(before);

      for (const [method, path] of [['GET', '/api/sessions/not-a-uuid'], ['DELETE', '/api/sessions/1'], ['GET', '/api/sessions/x/messages']] as const) {
        const response = await api.request(method, path);
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ error: { code: 'validation_failed', fields: { id: expect.any(Array) } } });
      }
      const badBody = await api.request('POST', '/api/sessions', { user_id: '', agent_id: agentId, session_type: 'fax', extra: 1 });
      expect(badBody.status).toBe(400);
      expect(Object.keys((badBody.body as { error: { fields: object } }).error.fields).sort()).toEqual(['extra', 'session_type', 'user_id']);
      const badMessage = await api.request('POST', `/api/sessions/${randomUUID()}/messages`, { role: 'robot', content: 'x' });
      expect(badMessage.body).toMatchObject({ error: { fields: { role: expect.any(Array) } } });
    });

    it('passes session-store’s validation error through as 400 with its fields (bad cursor)', async () => {
      const response = await api.request('GET', '/api/sessions?cursor=bm90LWEtbnVtYmVy');
      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        error: { code: 'validation_failed', message: 'cursor is not valid', fields: { cursor: ['is not a cursor from a previous page'] }, request_id: expect.any(String) },
      });
    });

    it('answers 404 in the fleet error shape for a session session-store does not know', async () => {
      const id = randomUUID();
      for (const [method, path, body] of [
        ['GET', `/api/sessions/${id}`, undefined],
        ['PATCH', `/api/sessions/${id}`, { title: 'x' }],
        ['DELETE', `/api/sessions/${id}`, undefined],
        ['POST', `/api/sessions/${id}/messages`, { role: 'user', content: 'hi' }],
      ] as const) {
        const response = await api.request(method, path, body);
        expect(response.status).toBe(404);
        expect(response.body).toEqual({ error: { code: 'not_found', message: `session ${id} not found`, request_id: expect.any(String) } });
      }
    });

    it('refuses a session for an agent that does not exist with 404 naming agent_id, storing nothing', async () => {
      const count = store.sessions.size;
      const response = await api.request('POST', '/api/sessions', { user_id: 'user-1', agent_id: randomUUID() });
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ error: { code: 'not_found', message: 'agent_id: no such agent', fields: { agent_id: ['no agent with this id'] } } });
      expect(store.sessions.size).toBe(count);
    });
  });

  describe('with session-store down or stuck', () => {
    beforeAll(async () => {
      await store.stop();
      // The unsubscribe must have reached the server before agent-api asks.
      await bus.connection.flush();
    });

    it('answers 503 unavailable when nothing serves the contract', async () => {
      const response = await api.request('GET', `/api/sessions/${randomUUID()}`);
      expect(response.status).toBe(503);
      expect(response.body).toEqual({ error: { code: 'unavailable', message: 'session-store is unavailable', request_id: expect.any(String) } });
    });

    it('answers 504 timeout when session-store takes the request and never replies', async () => {
      const seen: string[] = [];
      // Subscribed but silent: receives the request, sends no reply.
      const silent = bus.subscribeJson(SessionSubjects.get, SessionIdRequest, (r) => void seen.push(r.id));
      await bus.connection.flush();
      try {
        const id = randomUUID();
        const response = await api.request('GET', `/api/sessions/${id}`);
        expect(response.status).toBe(504);
        expect(response.body).toMatchObject({ error: { code: 'timeout' } });
        await expectEventually(() => expect(seen).toContain(id));
      } finally {
        silent.unsubscribe();
        await silent.closed;
      }
    });

    it('answers 502 rather than passing on a session-store reply that breaks the contract', async () => {
      // A store of another version: messages without `interrupted`, a session whose id is not a UUID.
      const broken = [
        bus.serveJson(SessionSubjects.listMessages, ListMessagesRequest, (r) => [{ id: randomUUID(), session_id: r.session_id, role: 'user', content: 'hi' }]),
        bus.serveJson(SessionSubjects.get, SessionIdRequest, (r) => ({ id: `not-${r.id}`, title: 'x' })),
      ];
      await bus.connection.flush();
      try {
        const id = randomUUID();
        const messages = await api.request('GET', `/api/sessions/${id}/messages`);
        expect(messages.status).toBe(502);
        expect(messages.body).toMatchObject({ error: { code: 'internal', message: 'session-store failed (internal)' } });
        const session = await api.request('GET', `/api/sessions/${id}`);
        expect(session.status).toBe(502);
        expect(JSON.stringify(session.body)).not.toContain(`not-${id}`);
      } finally {
        for (const subscription of broken) subscription.unsubscribe();
        await Promise.all(broken.map((s) => s.closed));
      }
    });
  });
});
