import { Bus, type BusSubscription } from '@voxbridge/bus';
import {
  AppendMessageRequest,
  CreateSessionRequest,
  ErrorCode,
  ListSessionsRequest,
  queueGroup,
  SessionIdRequest,
  SessionSubjects,
  UpdateSessionRequest,
  type SessionDto,
} from '@voxbridge/contracts';
import { testLogger } from '@voxbridge/service-testing';
import { testInfra } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { DataSource } from 'typeorm';
import { startAgentApi, type AgentApiHarness } from './support/agent-api-harness';

interface ErrorReply {
  error: { code: string; message: string; fields?: Record<string, string[]>; request_id: string };
}

/**
 * FAKE session-store on the real bus, in session-store's queue group: answers every request it gets
 * as if it had stored it (so nothing in front of it would fail without the edge check) and records
 * what it was asked, to prove a refused request reaches nobody.
 */
class RecordingSessionStore {
  readonly asked: string[] = [];
  private subscriptions: BusSubscription[] = [];

  constructor(private readonly bus: Bus) {}

  async start(): Promise<void> {
    const queue = queueGroup(this.bus.namespace, 'session-store');
    const session = (id: string, r: Partial<CreateSessionRequest> = {}): SessionDto => ({
      id,
      user_id: r.user_id ?? 'user-1',
      user_name: r.user_name ?? null,
      title: r.title ?? 'New Conversation',
      agent_id: r.agent_id ?? randomUUID(),
      active: true,
      started_at: new Date().toISOString(),
      ended_at: null,
      session_type: r.session_type ?? 'api',
      session_metadata: r.session_metadata ?? {},
      message_count: 0,
    });
    this.subscriptions = [
      this.bus.serveJson(SessionSubjects.create, CreateSessionRequest, (r) => (this.asked.push('create'), session(randomUUID(), r)), { queue }),
      this.bus.serveJson(SessionSubjects.list, ListSessionsRequest, () => (this.asked.push('list'), { items: [], next_cursor: null }), { queue }),
      this.bus.serveJson(SessionSubjects.get, SessionIdRequest, (r) => (this.asked.push('get'), session(r.id)), { queue }),
      this.bus.serveJson(SessionSubjects.update, UpdateSessionRequest, (r) => (this.asked.push('update'), session(r.id)), { queue }),
      this.bus.serveJson(
        SessionSubjects.appendMessage,
        AppendMessageRequest,
        (r) => {
          this.asked.push('append');
          return { id: randomUUID(), session_id: r.session_id, role: r.role, content: r.content };
        },
        { queue },
      ),
    ];
    await this.bus.connection.flush();
  }

  async stop(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    await Promise.all(this.subscriptions.map((s) => s.closed));
  }
}

/** `{"a":{"a":…{"a":1}…}}` with `levels` objects, built as text (JSON.stringify would recurse). */
function nestedObjectJson(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

function nestedArrayJson(levels: number): string {
  return `${'['.repeat(levels)}${']'.repeat(levels)}`;
}

describe('unstorable input at the HTTP edge (agent-api real; session-store FAKE on the real bus)', () => {
  let api: AgentApiHarness;
  let bus: Bus;
  let store: RecordingSessionStore;
  let agentId: string;
  const sessionId = randomUUID();

  beforeAll(async () => {
    api = await startAgentApi();
    bus = await Bus.connect({ servers: testInfra().natsUrl, namespace: api.namespace, name: 'fake-session-store', logger: testLogger('fake-session-store') });
    store = new RecordingSessionStore(bus);
    await store.start();
    const rows: Array<{ id: string }> = await api.service.app
      .get(DataSource)
      .query(`select id from agent_api.agents order by name limit 1`);
    agentId = rows[0]?.id ?? '';
  });

  afterAll(async () => {
    await store?.stop();
    await bus?.drain();
    await api?.close();
  });

  const agent = (extra: Record<string, unknown>) => ({ name: `edge-${randomUUID()}`, system_prompt: 'You are a test.', ...extra });
  const session = (extra: Record<string, unknown>) => ({ user_id: 'user-1', agent_id: agentId, ...extra });

  const expectRefused = (reply: { status: number; body: unknown }, field: string, problem: RegExp) => {
    expect(reply.status).toBe(400);
    const { error } = reply.body as ErrorReply;
    expect(error).toMatchObject({ code: ErrorCode.ValidationFailed, request_id: expect.any(String) });
    expect(error.message).toContain(field);
    expect(Object.keys(error.fields ?? {})).toEqual([field]);
    expect(error.fields?.[field]?.join(' ')).toMatch(problem);
  };

  describe('NUL characters', () => {
    // Bodies are built when a test runs: the agent id is known only after beforeAll.
    const cases: Array<[string, string, string, () => unknown, string]> = [
      ['agent name', 'POST', '/api/agents', () => agent({ name: 'Ada\u0000' }), 'name'],
      ['agent description', 'POST', '/api/agents', () => agent({ description: 'a\u0000b' }), 'description'],
      ['agent system_prompt', 'POST', '/api/agents', () => agent({ system_prompt: '\u0000' }), 'system_prompt'],
      ['agent llm_model', 'POST', '/api/agents', () => agent({ llm_model: 'm\u0000' }), 'llm_model'],
      ['agent tts_voice', 'POST', '/api/agents', () => agent({ tts_voice: 'v\u0000' }), 'tts_voice'],
      ['agent llm_base_url', 'POST', '/api/agents', () => agent({ llm_provider: 'openai_compatible', llm_base_url: 'http://x/\u0000' }), 'llm_base_url'],
      ['a fallback step model', 'POST', '/api/agents', () => agent({ fallback: [{ provider: 'openrouter', model: 'm\u0000' }] }), 'fallback.0.model'],
      ['session user_id', 'POST', '/api/sessions', () => session({ user_id: 'u\u0000' }), 'user_id'],
      ['session user_name', 'POST', '/api/sessions', () => session({ user_name: 'Ada\u0000' }), 'user_name'],
      ['session title', 'POST', '/api/sessions', () => session({ title: '\u0000' }), 'title'],
      ['a string deep in session_metadata', 'POST', '/api/sessions', () => session({ session_metadata: { crm: { tags: ['ok', 'x\u0000'] } } }), 'session_metadata.crm.tags.1'],
      ['a key in session_metadata', 'POST', '/api/sessions', () => session({ session_metadata: { 'k\u0000': 1 } }), 'session_metadata["k\\u0000"]'],
      ['a renamed title', 'PATCH', `/api/sessions/${sessionId}`, () => ({ title: 'Rome\u0000' }), 'title'],
      ['message content', 'POST', `/api/sessions/${sessionId}/messages`, () => ({ role: 'user', content: 'hi\u0000' }), 'content'],
      ['message speaker', 'POST', `/api/sessions/${sessionId}/messages`, () => ({ role: 'user', content: 'hi', speaker: '\u0000' }), 'speaker'],
      ['chat content', 'POST', `/api/sessions/${sessionId}/chat?stream=false`, () => ({ content: 'Hello\u0000' }), 'content'],
    ];

    it.each(cases)('refuses a NUL in %s with 400 naming the field, asking nobody', async (_what, method, path, body, field) => {
      const asked = store.asked.length;
      expectRefused(await api.request(method, path, body()), field, /NUL/);
      expect(store.asked.length).toBe(asked);
    });

    it('refuses a NUL in an agent update with 400 and leaves the agent as it was', async () => {
      const before = await api.request('GET', `/api/agents/${agentId}`);
      expectRefused(await api.request('PUT', `/api/agents/${agentId}`, { system_prompt: 'new\u0000prompt' }), 'system_prompt', /NUL/);
      expect(await api.request('GET', `/api/agents/${agentId}`)).toMatchObject({ status: 200, body: before.body as object });
    });

    it('answers before the API key is checked, as for malformed JSON', async () => {
      expectRefused(await api.request('POST', '/api/agents', agent({ name: 'x\u0000' }), null), 'name', /NUL/);
      expect((await api.request('POST', '/api/agents', '{"name":', null)).status).toBe(400);
      expect((await api.request('POST', '/api/agents', agent({}), null)).status).toBe(401);
    });

    it('refuses a NUL in the user_id query with 400 naming it, asking nobody', async () => {
      const asked = store.asked.length;
      expectRefused(await api.request('GET', '/api/sessions?user_id=a%00b'), 'user_id', /NUL/);
      expect(store.asked.length).toBe(asked);
    });
  });

  describe('unpaired UTF-16 surrogates', () => {
    const cases: Array<[string, string, string, () => string, string]> = [
      ['agent name (high surrogate)', 'POST', '/api/agents', () => `{"name":"Ada\\ud800","system_prompt":"p"}`, 'name'],
      ['session title (low surrogate)', 'POST', '/api/sessions', () => `{"user_id":"u","agent_id":"${agentId}","title":"\\udc00x"}`, 'title'],
      ['session_metadata', 'POST', '/api/sessions', () => `{"user_id":"u","agent_id":"${agentId}","session_metadata":{"a":["\\ud83d"]}}`, 'session_metadata.a.0'],
      ['chat content', 'POST', `/api/sessions/${sessionId}/chat?stream=false`, () => `{"content":"\\udfff"}`, 'content'],
    ];

    it.each(cases)('refuses one in %s with 400 naming the field', async (_what, method, path, body, field) => {
      const asked = store.asked.length;
      expectRefused(await api.request(method, path, body()), field, /surrogate/);
      expect(store.asked.length).toBe(asked);
    });

    it('accepts a surrogate pair (an emoji) and a JSON-escaped one alike', async () => {
      const created = await api.request('POST', '/api/sessions', `{"user_id":"u","agent_id":"${agentId}","title":"hi 🎉 \\ud83c\\udf89"}`);
      expect(created).toMatchObject({ status: 201, body: { title: 'hi 🎉 🎉' } });
    });
  });

  describe('prototype keys', () => {
    const cases: Array<[string, string, string, () => string, string]> = [
      ['"__proto__" at the top of a session', 'POST', '/api/sessions', () => `{"user_id":"u","agent_id":"${agentId}","__proto__":{"isAdmin":true}}`, '__proto__'],
      ['"constructor" in session_metadata', 'POST', '/api/sessions', () => `{"user_id":"u","agent_id":"${agentId}","session_metadata":{"constructor":{"prototype":{"x":1}}}}`, 'session_metadata.constructor'],
      ['"prototype" in an agent\'s plugins', 'POST', '/api/agents', () => `{"name":"proto","system_prompt":"p","plugins":{"prototype":{"enabled":true}}}`, 'plugins.prototype'],
      ['"__proto__" in a message', 'POST', `/api/sessions/${sessionId}/messages`, () => `{"role":"user","content":"hi","__proto__":{"role":"system"}}`, '__proto__'],
    ];

    it.each(cases)('refuses %s with 400 naming its path, asking nobody', async (_what, method, path, body, field) => {
      const asked = store.asked.length;
      expectRefused(await api.request(method, path, body()), field, /not allowed/);
      expect(store.asked.length).toBe(asked);
    });
  });

  describe('null for an optional field that has no null', () => {
    const cases: Array<[string, string, string, () => unknown]> = [
      ['user_name', 'POST', '/api/sessions', () => session({ user_name: null })],
      ['title', 'POST', '/api/sessions', () => session({ title: null })],
      ['session_type', 'POST', '/api/sessions', () => session({ session_type: null })],
      ['session_metadata', 'POST', '/api/sessions', () => session({ session_metadata: null })],
      ['title', 'PATCH', '/api/sessions/:id', () => ({ title: null })],
      ['active', 'PATCH', '/api/sessions/:id', () => ({ active: null })],
      ['speaker', 'POST', '/api/sessions/:id/messages', () => ({ role: 'user', content: 'hi', speaker: null })],
      ['rate_limit_per_second', 'POST', '/api/keys', () => ({ name: 'k', role: 'client', rate_limit_per_second: null })],
      ['rate_limit_burst', 'POST', '/api/keys', () => ({ name: 'k', role: 'client', rate_limit_burst: null })],
      ['agent_id', 'POST', '/api/voice/token', () => ({ agent_id: null })],
      ['session_id', 'POST', '/api/voice/token', () => ({ session_id: null })],
      ['session_id', 'POST', '/api/plugins/discord/voice/join', () => ({ agent_id: agentId, guild_id: '112233445566778899', channel_id: '998877665544332211', session_id: null })],
    ];

    it.each(cases)('refuses null for %s (%s %s) with 400 naming it, asking nobody', async (field, method, path, body) => {
      const asked = store.asked.length;
      expectRefused(await api.request(method, path.replace(':id', sessionId), body()), field, /./);
      expect(store.asked.length).toBe(asked);
    });
  });

  describe('query strings that are not percent-encoded UTF-8', () => {
    it.each([
      ['a byte that is not UTF-8', 'user_id=%ff'],
      ['a stray "%"', 'user_id=%'],
      ['an encoded lone surrogate', 'user_id=%ED%A0%80'],
    ])('refuses %s with 400 naming the parameter, asking nobody', async (_what, query) => {
      const asked = store.asked.length;
      expectRefused(await api.request('GET', `/api/sessions?${query}`), 'user_id', /percent-encoded UTF-8/);
      expect(store.asked.length).toBe(asked);
    });
  });

  describe("requests Node's HTTP parser refuses", () => {
    /** Sends raw bytes and reads until the server closes. */
    const raw = (text: string) =>
      new Promise<string>((resolve, reject) => {
        const { hostname, port } = new URL(api.baseUrl);
        const socket = connect(Number(port), hostname, () => socket.end(text));
        let received = '';
        socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
        socket.on('close', () => resolve(received));
        socket.on('error', reject);
      });

    it('answers a URL and headers over 16 KB with 431 in the error shape', async () => {
      const reply = await api.request('GET', `/api/sessions/${'a'.repeat(20_000)}`);
      expect(reply.status).toBe(431);
      expect((reply.body as ErrorReply).error).toEqual({ code: ErrorCode.PayloadTooLarge, message: 'the URL and headers are larger than 16384 bytes', request_id: expect.any(String) });
    });

    it('answers a malformed request line with 400 in the error shape', async () => {
      const reply = await raw('NOT HTTP AT ALL\r\n\r\n');
      expect(reply).toMatch(/^HTTP\/1\.1 400 /);
      const body = JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)) as ErrorReply;
      expect(body.error).toEqual({ code: ErrorCode.ValidationFailed, message: 'malformed HTTP request', request_id: expect.any(String) });
    });
  });

  describe('deep JSON', () => {
    it('refuses session_metadata nested 10,000 deep with 400 naming the depth limit, asking nobody', async () => {
      const asked = store.asked.length;
      const body = `{"user_id":"u","agent_id":"${agentId}","session_metadata":${nestedObjectJson(10_000)}}`;
      const reply = await api.request('POST', '/api/sessions', body);
      expect(reply.status).toBe(400);
      const { error } = reply.body as ErrorReply;
      expect(error.code).toBe(ErrorCode.ValidationFailed);
      expect(error.message).toMatch(/deeper than 32/);
      expect(Object.keys(error.fields ?? {})).toEqual([`session_metadata${'.a'.repeat(31)}`]);
      expect(store.asked.length).toBe(asked);
    });

    it('refuses chat content nested 50,000 deep with 400 naming the depth limit', async () => {
      const reply = await api.request('POST', `/api/sessions/${sessionId}/chat?stream=false`, `{"content":${nestedArrayJson(50_000)}}`);
      expect(reply.status).toBe(400);
      expect((reply.body as ErrorReply).error).toMatchObject({ code: ErrorCode.ValidationFailed, message: expect.stringMatching(/deeper than 32/) });
    });

    it('refuses an agent whose plugins nest 10,000 deep', async () => {
      const reply = await api.request('POST', '/api/agents', `{"name":"deep","system_prompt":"p","plugins":${nestedObjectJson(10_000)}}`);
      expect(reply.status).toBe(400);
      expect((reply.body as ErrorReply).error.message).toMatch(/deeper than 32/);
    });

    it('accepts JSON exactly 32 levels deep (the body counts as one) and refuses 33', async () => {
      const at = (levels: number) => `{"user_id":"u","agent_id":"${agentId}","session_metadata":${nestedObjectJson(levels)}}`;
      expect((await api.request('POST', '/api/sessions', at(31))).status).toBe(201);
      expect((await api.request('POST', '/api/sessions', at(32))).status).toBe(400);
    });
  });
});
