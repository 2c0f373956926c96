import { Bus, BusRemoteError, type BusSubscription } from '@voxbridge/bus';
import {
  AgentSubjects,
  ControlEvent,
  ErrorCode,
  mediaSubject,
  queueGroup,
  SessionIdRequest,
  SessionSubjects,
  TextTurnRequest,
  VoiceSubjects,
  type AgentDto,
  type ReplyEvent,
  type SessionDto,
} from '@voxbridge/contracts';
import { testLogger } from '@voxbridge/service-testing';
import { expectEventually, testInfra } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { newEncryptionKey, startAgentApi, type AgentApiHarness } from './support/agent-api-harness';

/** What a fake answers a refusal with: the bus turns `code` into an error reply. */
class Refusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** FAKE session-store: in memory, on the real bus in session-store's queue group, serving `sessions.v1.session.get` only. */
class FakeSessionStore {
  readonly sessions = new Map<string, SessionDto>();
  private subscription?: BusSubscription;

  constructor(private readonly bus: Bus) {}

  async start(): Promise<void> {
    this.subscription = this.bus.serveJson(SessionSubjects.get, SessionIdRequest, ({ id }) => this.find(id), {
      queue: queueGroup(this.bus.namespace, 'session-store'),
    });
    await this.bus.connection.flush();
  }

  add(agentId: string): SessionDto {
    const session: SessionDto = {
      id: randomUUID(),
      user_id: 'user-1',
      user_name: null,
      title: 'New Conversation',
      agent_id: agentId,
      active: true,
      started_at: new Date().toISOString(),
      ended_at: null,
      session_type: 'api',
      session_metadata: {},
      message_count: 0,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    await this.subscription?.closed;
  }

  private find(id: string): SessionDto {
    const session = this.sessions.get(id);
    if (!session) throw new Refusal(ErrorCode.NotFound, `session ${id} not found`);
    return session;
  }
}

/**
 * FAKE llm-router on the real bus: serves `llm.v1.turn.text` in llm-router's queue group, looks the
 * agent up with `agents.v1.agent.get` as the real one does (so the model it reports comes from
 * agent-api over the bus), accepts, then publishes scripted ReplyEvents on the session's `reply`
 * stream. Scripts by content: `fail` → one delta then an error event; `hang` → one delta, never
 * done; anything else → three deltas published out of seq order, an unrelated turn's event, done.
 */
class FakeLlmRouter {
  readonly requests: TextTurnRequest[] = [];
  private subscription?: BusSubscription;

  constructor(private readonly bus: Bus) {}

  async start(): Promise<void> {
    this.subscription = this.bus.serveJson(VoiceSubjects.textTurn, TextTurnRequest, (req) => this.accept(req), {
      queue: queueGroup(this.bus.namespace, 'llm-router'),
    });
    await this.bus.connection.flush();
  }

  /** Resolves once the server has dropped the subscription (flush: the UNSUB reached it), so requests see no responders. */
  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    await this.subscription?.closed;
    await this.bus.connection.flush();
  }

  private async accept(req: TextTurnRequest): Promise<object> {
    this.requests.push(req);
    const agent = await this.bus.requestJson<AgentDto>(AgentSubjects.get, { id: req.agent_id });
    setImmediate(() => this.play(req, agent));
    return { turn_id: req.turn_id, accepted: true };
  }

  private play(req: TextTurnRequest, agent: AgentDto): void {
    const at = (seq: number, kind: ReplyEvent['kind'], extra: Partial<ReplyEvent> = {}): ReplyEvent => ({
      session_id: req.session_id,
      turn_id: req.turn_id,
      seq,
      kind,
      ...extra,
    });
    const first = at(0, 'delta', { text: 'The capital', provider: 'fake-openai', model: agent.llm_model, llm_ttft_ms: 42 });
    let events: ReplyEvent[];
    if (req.content === 'fail') {
      events = [first, at(1, 'error', { error_code: 'provider_failed', error_message: 'every LLM provider failed' })];
    } else if (req.content === 'hang') {
      events = [first];
    } else {
      events = [
        at(2, 'delta', { text: ' is Rome.' }),
        first,
        { ...at(0, 'done', { text: 'another turn' }), turn_id: randomUUID() },
        at(1, 'delta', { text: ' of Italy' }),
        at(3, 'done', { text: 'The capital of Italy is Rome.', provider: 'fake-openai', model: agent.llm_model }),
      ];
    }
    for (const event of events) this.bus.publishJson(mediaSubject(req.session_id, 'reply'), event);
  }
}

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.includes('event: '))
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice('event: '.length) ?? '';
      const data = lines.find((l) => l.startsWith('data: '))?.slice('data: '.length) ?? '{}';
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });
}

describe('POST /api/sessions/:id/chat (agent-api real; session-store and llm-router FAKE on the real bus)', () => {
  let api: AgentApiHarness;
  let bus: Bus;
  let store: FakeSessionStore;
  let llm: FakeLlmRouter;
  let agent: AgentDto;

  const chat = (sessionId: string, body: unknown, query = '', signal?: AbortSignal) =>
    fetch(`${api.baseUrl}/api/sessions/${sessionId}/chat${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });

  beforeAll(async () => {
    api = await startAgentApi({ VOXBRIDGE_ENCRYPTION_KEY: newEncryptionKey() });
    bus = await Bus.connect({ servers: testInfra().natsUrl, namespace: api.namespace, name: 'chat-test-fakes', logger: testLogger('chat-test-fakes') });
    store = new FakeSessionStore(bus);
    await store.start();
    llm = new FakeLlmRouter(bus);
    await llm.start();
    const created = await api.request('POST', '/api/agents', {
      name: `Chat Bot ${randomUUID()}`,
      system_prompt: 'You answer briefly.',
      llm_model: 'test/chat-model',
      plugins: { discord: { enabled: true, bot_token: 'MTIzNDU2Nzg5MDEy.discord-bot-token-plaintext-XyZ9' } },
    });
    expect(created.status).toBe(201);
    agent = created.body as AgentDto;
  });

  afterAll(async () => {
    await llm?.stop();
    await store?.stop();
    await bus?.drain();
    await api?.close();
  });

  describe('agents.v1.agent.get on the bus', () => {
    it('answers with the agent as GET /api/agents/:id shows it, secrets masked', async () => {
      const viaBus = await bus.requestJson<AgentDto>(AgentSubjects.get, { id: agent.id });
      const viaHttp = await api.request('GET', `/api/agents/${agent.id}`);
      expect(viaBus).toEqual(viaHttp.body);
      expect(viaBus.plugins['discord']?.['bot_token']).toEqual({ set: true, last4: 'XyZ9' });
      expect(JSON.stringify(viaBus)).not.toContain('plaintext');
    });

    it('refuses an unknown agent with not_found and a non-UUID id with validation_failed', async () => {
      await expect(bus.requestJson(AgentSubjects.get, { id: randomUUID() })).rejects.toMatchObject({ code: ErrorCode.NotFound });
      const invalid = bus.requestJson(AgentSubjects.get, { id: 'vb.>' });
      await expect(invalid).rejects.toBeInstanceOf(BusRemoteError);
      await expect(invalid).rejects.toMatchObject({ code: ErrorCode.ValidationFailed, fields: { id: expect.any(Array) } });
    });
  });

  describe('with llm-router answering', () => {
    it('streams the turn’s deltas in seq order as SSE, then done with the whole answer, and closes', async () => {
      const session = store.add(agent.id);
      const response = await chat(session.id, { content: 'What is the capital of Italy?' });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const events = parseSse(await response.text());

      const request = llm.requests.find((r) => r.session_id === session.id);
      expect(request).toEqual({ session_id: session.id, agent_id: agent.id, turn_id: expect.any(String), content: 'What is the capital of Italy?' });
      expect(events).toEqual([
        { event: 'delta', data: { text: 'The capital' } },
        { event: 'delta', data: { text: ' of Italy' } },
        { event: 'delta', data: { text: ' is Rome.' } },
        {
          event: 'done',
          data: { text: 'The capital of Italy is Rome.', turn_id: request?.turn_id, provider: 'fake-openai', model: 'test/chat-model', llm_ttft_ms: 42 },
        },
      ]);
    });

    it('returns the whole answer as JSON with ?stream=false', async () => {
      const session = store.add(agent.id);
      const response = await chat(session.id, { content: 'Capital of Italy?' }, '?stream=false');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        turn_id: llm.requests.find((r) => r.session_id === session.id)?.turn_id,
        text: 'The capital of Italy is Rome.',
        provider: 'fake-openai',
        model: 'test/chat-model',
        llm_ttft_ms: 42,
      });
    });

    it('ends the stream with an SSE error carrying the reply’s code when the model fails', async () => {
      const session = store.add(agent.id);
      const response = await chat(session.id, { content: 'fail' });
      expect(parseSse(await response.text())).toEqual([
        { event: 'delta', data: { text: 'The capital' } },
        { event: 'error', data: { code: 'provider_failed', message: 'every LLM provider failed' } },
      ]);
    });

    it('answers 502 in the fleet error shape with the reply’s code when the model fails and stream=false', async () => {
      const session = store.add(agent.id);
      const response = await chat(session.id, { content: 'fail' }, '?stream=false');
      expect(response.status).toBe(502);
      expect(await response.json()).toEqual({ error: { code: 'provider_failed', message: 'every LLM provider failed', request_id: expect.any(String) } });
    });

    it('publishes control cancel for the turn when the client goes away mid-stream', async () => {
      const session = store.add(agent.id);
      const cancels: ControlEvent[] = [];
      const control = bus.subscribeJson(mediaSubject(session.id, 'control'), ControlEvent, (event) => void cancels.push(event));
      await bus.connection.flush();
      try {
        const abort = new AbortController();
        const response = await chat(session.id, { content: 'hang' }, '', abort.signal);
        const reader = response.body?.getReader();
        let received = '';
        while (!received.includes('event: delta')) {
          const chunk = await reader?.read();
          if (!chunk || chunk.done) break;
          received += new TextDecoder().decode(chunk.value);
        }
        expect(parseSse(received)).toEqual([{ event: 'delta', data: { text: 'The capital' } }]);
        abort.abort();

        const turnId = llm.requests.find((r) => r.session_id === session.id)?.turn_id;
        await expectEventually(() =>
          expect(cancels).toEqual([{ session_id: session.id, action: 'cancel', turn_id: turnId, reason: 'client_disconnected', at_ms: expect.any(Number) }]),
        );
      } finally {
        control.unsubscribe();
        await control.closed;
      }
    });

    it('refuses empty, too long and missing content with 400 naming content, asking nobody', async () => {
      const session = store.add(agent.id);
      const before = llm.requests.length;
      for (const body of [{ content: '' }, { content: 'x'.repeat(10_001) }, {}, { content: 42 }]) {
        const response = await chat(session.id, body);
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({ error: { code: 'validation_failed', fields: { content: expect.any(Array) } } });
      }
      expect((await chat(session.id, { content: 'hi', extra: 1 })).status).toBe(400);
      expect((await chat(session.id, { content: 'hi' }, '?stream=maybe')).status).toBe(400);
      expect((await chat('not-a-uuid', { content: 'hi' })).status).toBe(400);
      expect(llm.requests.length).toBe(before);
    });

    it('answers 404 for a session session-store does not know, asking llm-router nothing', async () => {
      const before = llm.requests.length;
      const id = randomUUID();
      const response = await chat(id, { content: 'hello?' });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: { code: 'not_found', message: `session ${id} not found`, request_id: expect.any(String) } });
      expect(llm.requests.length).toBe(before);
    });
  });

  describe('with llm-router down or stuck', () => {
    beforeAll(async () => {
      await llm.stop();
    });

    it('answers 503 unavailable naming llm-router when nothing serves text turns', async () => {
      const session = store.add(agent.id);
      const response = await chat(session.id, { content: 'anyone?' });
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ error: { code: 'unavailable', message: 'llm-router is unavailable', request_id: expect.any(String) } });
    });

    it('answers 504 timeout when llm-router takes the request and never replies', async () => {
      const seen: string[] = [];
      // Subscribed but silent: receives the request, sends no reply.
      const silent = bus.subscribeJson(VoiceSubjects.textTurn, TextTurnRequest, (r) => void seen.push(r.session_id));
      await bus.connection.flush();
      try {
        const session = store.add(agent.id);
        const response = await chat(session.id, { content: 'hello?' });
        expect(response.status).toBe(504);
        expect(await response.json()).toMatchObject({ error: { code: 'timeout', message: 'llm-router did not answer in time' } });
        await expectEventually(() => expect(seen).toContain(session.id));
      } finally {
        silent.unsubscribe();
        await silent.closed;
      }
    });
  });
});
