import { Bus, type BusSubscription } from '@voxbridge/bus';
import {
  AppendMessageRequest,
  AuthSubjects,
  CreateSessionRequest,
  ErrorCode,
  KEY_REVOKED_CLOSE_CODE,
  ListSessionsRequest,
  queueGroup,
  SessionContracts,
  type MessageDto,
  type SessionDto,
  type SessionPage,
  type VerifiedCredential,
} from '@voxbridge/contracts';
import { testLogger } from '@voxbridge/service-testing';
import { expectEventually, testInfra } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { appendedMessage } from './support/appended-message';
import { startAgentApi, type AgentApiHarness } from './support/agent-api-harness';

class Refusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * FAKE session-store on the real bus, in its queue group, serving the real contract: keeps
 * `created_by_key_id` and filters on it as session-store does (session-store's own tests prove it
 * on Postgres). Everything from HTTP to the bus is real.
 */
class OwnerAwareSessionStore {
  readonly sessions = new Map<string, SessionDto>();
  readonly deleted: string[] = [];
  private subscriptions: BusSubscription[] = [];

  constructor(private readonly bus: Bus) {}

  start(): void {
    const queue = queueGroup(this.bus.namespace, 'session-store');
    this.subscriptions = [
      this.bus.serve(SessionContracts.create, (r) => this.create(r), { queue }),
      this.bus.serve(SessionContracts.list, (r) => this.list(r), { queue }),
      this.bus.serve(SessionContracts.get, (r) => this.find(r.id), { queue }),
      this.bus.serve(SessionContracts.update, (r) => ({ ...this.find(r.id), ...(r.title ? { title: r.title } : {}) }), { queue }),
      this.bus.serve(SessionContracts.delete, (r) => this.delete(r.id), { queue }),
      this.bus.serve(SessionContracts.listMessages, (r) => (this.find(r.session_id), { items: [] }), { queue }),
      this.bus.serve(SessionContracts.appendMessage, (r) => this.append(r), { queue }),
    ];
  }

  async stop(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    await Promise.all(this.subscriptions.map((s) => s.closed));
  }

  /** A session from before keys were recorded (created_by_key_id null). */
  legacy(agentId: string): SessionDto {
    const session = this.create({ user_id: 'old', agent_id: agentId });
    session.created_by_key_id = null;
    return session;
  }

  private create(r: CreateSessionRequest): SessionDto {
    const session: SessionDto = {
      id: randomUUID(),
      user_id: r.user_id,
      user_name: null,
      title: r.title ?? 'New Conversation',
      agent_id: r.agent_id,
      active: true,
      started_at: new Date().toISOString(),
      ended_at: null,
      session_type: r.session_type ?? 'api',
      session_metadata: {},
      message_count: 0,
      created_by_key_id: r.created_by_key_id ?? null,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  private list(r: ListSessionsRequest): SessionPage {
    const items = [...this.sessions.values()].filter((s) => r.created_by_key_id === undefined || s.created_by_key_id === r.created_by_key_id);
    return { items, next_cursor: null };
  }

  private find(id: string): SessionDto {
    const session = this.sessions.get(id);
    if (!session) throw new Refusal(ErrorCode.NotFound, `session ${id} not found`);
    return session;
  }

  private delete(id: string): { id: string; deleted: true } {
    this.find(id);
    this.sessions.delete(id);
    this.deleted.push(id);
    return { id, deleted: true };
  }

  private append(r: AppendMessageRequest): MessageDto {
    this.find(r.session_id);
    return appendedMessage(r);
  }
}

interface Key {
  id: string;
  key: string;
}

describe('session access per API key (agent-api on real NATS and Postgres)', () => {
  let api: AgentApiHarness;
  let bus: Bus;
  let store: OwnerAwareSessionStore;
  let agentId: string;
  let alice: Key;
  let bob: Key;
  const sockets: WebSocket[] = [];

  const newKey = async (name: string, role: 'admin' | 'client'): Promise<Key> => {
    const created = await api.request('POST', '/api/keys', { name, role });
    expect(created.status).toBe(201);
    const body = created.body as { id: string; key: string };
    return { id: body.id, key: body.key };
  };

  const createSession = async (key: Key): Promise<SessionDto> => {
    const created = await api.request('POST', '/api/sessions', { user_id: 'u', agent_id: agentId }, key.key);
    expect(created.status).toBe(201);
    return created.body as SessionDto;
  };

  beforeAll(async () => {
    api = await startAgentApi();
    bus = await Bus.connect({ servers: testInfra().natsUrl, namespace: api.namespace, name: 'fake-session-store', logger: testLogger('fake-session-store') });
    store = new OwnerAwareSessionStore(bus);
    store.start();
    const agents = (await api.request('GET', '/api/agents')).body as Array<{ id: string }>;
    agentId = agents[0]?.id ?? '';
    expect(agentId).not.toBe('');
    alice = await newKey('alice', 'client');
    bob = await newKey('bob', 'client');
  });

  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await store?.stop();
    await bus?.drain();
    await api?.close();
  });

  it('lists to a client key only the sessions it created, and every session to an admin key', async () => {
    const mine = await createSession(alice);
    const theirs = await createSession(bob);
    const old = store.legacy(agentId);
    expect(mine.created_by_key_id).toBe(alice.id);

    const aliceList = await api.request('GET', '/api/sessions', undefined, alice.key);
    expect(aliceList.status).toBe(200);
    const aliceIds = (aliceList.body as SessionPage).items.map((s) => s.id);
    expect(aliceIds).toContain(mine.id);
    expect(aliceIds).not.toContain(theirs.id);
    expect(aliceIds).not.toContain(old.id);

    const adminIds = ((await api.request('GET', '/api/sessions')).body as SessionPage).items.map((s) => s.id);
    expect(adminIds).toEqual(expect.arrayContaining([mine.id, theirs.id, old.id]));
  });

  it('answers 404 for another key’s session on every route, exactly as for a missing one, and changes nothing', async () => {
    const theirs = await createSession(bob);
    const old = store.legacy(agentId);
    const missing = randomUUID();
    for (const id of [theirs.id, old.id, missing]) {
      const attempts = [
        await api.request('GET', `/api/sessions/${id}`, undefined, alice.key),
        await api.request('GET', `/api/sessions/${id}/messages`, undefined, alice.key),
        await api.request('GET', `/api/sessions/${id}/export?format=text`, undefined, alice.key),
        await api.request('PATCH', `/api/sessions/${id}`, { title: 'mine now' }, alice.key),
        await api.request('POST', `/api/sessions/${id}/messages`, { role: 'user', content: 'hi' }, alice.key),
        await api.request('DELETE', `/api/sessions/${id}`, undefined, alice.key),
        await api.request('POST', `/api/sessions/${id}/chat?stream=false`, { content: 'hi' }, alice.key),
        await api.request('POST', '/api/voice/token', { agent_id: agentId, session_id: id }, alice.key),
      ];
      for (const attempt of attempts) {
        expect(attempt.status).toBe(404);
        expect(attempt.body).toMatchObject({ error: { code: 'not_found' } });
      }
    }
    expect(store.sessions.get(theirs.id)?.title).toBe('New Conversation');
    expect(store.deleted).not.toContain(theirs.id);

    // The owner and an admin key still reach it.
    expect((await api.request('GET', `/api/sessions/${theirs.id}`, undefined, bob.key)).status).toBe(200);
    expect((await api.request('GET', `/api/sessions/${old.id}`)).status).toBe(200);
    expect((await api.request('DELETE', `/api/sessions/${theirs.id}`, undefined, bob.key)).status).toBe(204);
    expect(store.deleted).toContain(theirs.id);
  });

  it('lets the voice socket resume only a session the credential’s key may see', async () => {
    const mine = await createSession(alice);
    const theirs = await createSession(bob);
    const verify = (sessionId: string) =>
      bus.requestJson<VerifiedCredential>(AuthSubjects.verify, { credential: alice.key, agent_id: agentId, session_id: sessionId }, { timeoutMs: 3_000 });
    await expect(verify(mine.id)).resolves.toMatchObject({ key_id: alice.id, role: 'client' });
    await expect(verify(theirs.id)).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });

  it('lets a client key follow on /ws/events only its own sessions', async () => {
    const mine = await createSession(alice);
    const theirs = await createSession(bob);
    const { ws, messages } = await openEvents(alice.key);
    ws.send(JSON.stringify({ action: 'subscribe', session_id: theirs.id }));
    await expectEventually(() => expect(messages.map((m) => m.event)).toContain('error'));
    expect(messages.find((m) => m.event === 'error')?.data).toEqual({ code: 'not_found', message: `session ${theirs.id} not found` });
    ws.send(JSON.stringify({ action: 'subscribe', session_id: mine.id }));
    await expectEventually(() => expect(messages.map((m) => m.event)).toContain('subscribed'));
  });

  it('closes the open /ws/events sockets of a revoked key with 4401, and refuses it afterwards', async () => {
    const carol = await newKey('carol', 'client');
    const first = await openEvents(carol.key);
    const second = await openEvents(carol.key);
    const admin = await openEvents(api.adminKey);

    expect((await api.request('DELETE', `/api/keys/${carol.id}`)).status).toBe(204);

    await expectEventually(() => expect([first.closed(), second.closed()]).toEqual([KEY_REVOKED_CLOSE_CODE, KEY_REVOKED_CLOSE_CODE]));
    expect(first.reason()).toBe('the API key was revoked');
    expect(admin.closed()).toBeUndefined();
    expect((await api.request('GET', '/api/sessions', undefined, carol.key)).status).toBe(401);
  });

  async function openEvents(key: string) {
    const ws = new WebSocket(`${api.baseUrl.replace(/^http/, 'ws')}/ws/events?token=${encodeURIComponent(key)}`);
    sockets.push(ws);
    const messages: Array<{ event: string; data: unknown }> = [];
    let closeCode: number | undefined;
    let closeReason = '';
    ws.on('message', (data) => messages.push(JSON.parse(String(data)) as { event: string; data: unknown }));
    ws.on('close', (code, reason) => {
      closeCode = code;
      closeReason = reason.toString();
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await expectEventually(() => expect(messages.map((m) => m.event)).toContain('ready'));
    return { ws, messages, closed: () => closeCode, reason: () => closeReason };
  }
});
