import { Bus, type BusSubscription } from '@voxbridge/bus';
import {
  ChatContracts,
  ControlEvent,
  mediaSubject,
  queueGroup,
  SessionIdRequest,
  SessionSubjects,
  type AgentDto,
  type ReplyEvent,
  type SessionDto,
  type TextTurnAcceptedReply,
  type TextTurnRequest,
} from '@voxbridge/contracts';
import { testLogger } from '@voxbridge/service-testing';
import { expectEventually, testInfra } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { newEncryptionKey, startAgentApi, type AgentApiHarness } from './support/agent-api-harness';

/**
 * A text chat stream whose llm-router dies mid-answer, or whose llm-router no longer runs the
 * turn, ends with an error event naming llm-router — not after the turn's 60 s timeout on
 * keep-alives. Real: agent-api, NATS, Postgres. Fake on the real bus: session-store (`session.get`)
 * and llm-router, speaking the ChatContracts (accepts naming its replica, answers `turn-alive`,
 * publishes one delta and then goes quiet). No verdict depends on elapsed time.
 */

class FakeSessionStore {
  readonly sessions = new Map<string, SessionDto>();
  private subscription?: BusSubscription;

  constructor(private readonly bus: Bus) {}

  async start(): Promise<void> {
    this.subscription = this.bus.serveJson(SessionSubjects.get, SessionIdRequest, ({ id }) => this.sessions.get(id) ?? { id, agent_id: randomUUID() }, {
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

  stop(): void {
    this.subscription?.unsubscribe();
  }
}

/**
 * One llm-router replica: accepts a text turn, says one delta, then stays silent. `die()` drops
 * every subscription (as a killed process would: NATS answers no responders); `forget()` keeps it
 * alive but no longer running the turn (as after a NATS outage that lost the turn's last events).
 */
class FakeLlmRouterReplica {
  readonly instanceId = randomUUID();
  readonly running = new Set<string>();
  private subscriptions: BusSubscription[] = [];

  constructor(private readonly bus: Bus) {}

  async start(): Promise<void> {
    this.subscriptions = [
      this.bus.serve(ChatContracts.textTurn, (req) => this.accept(req), { queue: queueGroup(this.bus.namespace, 'llm-router') }),
      this.bus.serve(ChatContracts.textTurnAlive(this.instanceId), (req) => ({ turn_id: req.turn_id, running: this.running.has(req.turn_id) })),
    ];
    await this.bus.connection.flush();
  }

  async die(): Promise<void> {
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
    await this.bus.connection.flush();
  }

  forget(): void {
    this.running.clear();
  }

  private accept(req: TextTurnRequest): TextTurnAcceptedReply {
    this.running.add(req.turn_id);
    setImmediate(() => {
      const delta: ReplyEvent = { session_id: req.session_id, turn_id: req.turn_id, seq: 0, kind: 'delta', text: 'Let me think', provider: 'fake', model: 'm' };
      this.bus.publishJson(mediaSubject(req.session_id, 'reply'), delta);
    });
    return { turn_id: req.turn_id, accepted: true, instance_id: this.instanceId };
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

describe('POST /api/sessions/:id/chat when llm-router goes away mid-turn', () => {
  let api: AgentApiHarness;
  let bus: Bus;
  let store: FakeSessionStore;
  let agent: AgentDto;

  beforeAll(async () => {
    api = await startAgentApi({ VOXBRIDGE_ENCRYPTION_KEY: newEncryptionKey() });
    bus = await Bus.connect({ servers: testInfra().natsUrl, namespace: api.namespace, name: 'chat-liveness-fakes', logger: testLogger('chat-liveness-fakes') });
    store = new FakeSessionStore(bus);
    await store.start();
    const created = await api.request('POST', '/api/agents', { name: `Liveness ${randomUUID()}`, system_prompt: 'You answer briefly.' });
    expect(created.status).toBe(201);
    agent = created.body as AgentDto;
  });

  afterAll(async () => {
    store?.stop();
    await bus?.drain();
    await api?.close();
  });

  /** Starts a streamed chat and reads until the first delta: the turn is running on `replica`. */
  async function chatUnderway(sessionId: string) {
    const response = await fetch(`${api.baseUrl}/api/sessions/${sessionId}/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Tell me something.' }),
    });
    expect(response.status).toBe(200);
    const reader = response.body?.getReader();
    if (!reader) throw new Error('no response body');
    const decoder = new TextDecoder();
    let received = '';
    while (!received.includes('event: delta')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      received += decoder.decode(chunk.value, { stream: true });
    }
    expect(parseSse(received)).toEqual([{ event: 'delta', data: { text: 'Let me think' } }]);
    /** The rest of the stream, once the server closes it. */
    const rest = async () => {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) return parseSse(received);
        received += decoder.decode(chunk.value, { stream: true });
      }
    };
    return { rest };
  }

  it('ends the stream with an error event naming llm-router when the replica running the turn dies, and cancels the turn', async () => {
    const replica = new FakeLlmRouterReplica(bus);
    await replica.start();
    const session = store.add(agent.id);
    const cancels: ControlEvent[] = [];
    const control = bus.subscribeJson(mediaSubject(session.id, 'control'), ControlEvent, (event) => void cancels.push(event));
    await bus.connection.flush();
    try {
      const { rest } = await chatUnderway(session.id);

      await replica.die();
      const events = await rest();

      expect(events.map((e) => e.event)).toEqual(['delta', 'error']);
      const error = events[1]?.data as { code: string; message: string };
      expect(error.code).toBe('unavailable');
      expect(error.message).toContain('llm-router');
      expect(error.message).toContain(`replica ${replica.instanceId.slice(0, 8)}`);
      await expectEventually(() => expect(cancels).toContainEqual(expect.objectContaining({ action: 'cancel', reason: 'llm_router_lost' })));
    } finally {
      control.unsubscribe();
    }
  });

  it('ends the stream with an error event when llm-router is alive but no longer runs the turn (its last events were lost)', async () => {
    const replica = new FakeLlmRouterReplica(bus);
    await replica.start();
    const session = store.add(agent.id);
    try {
      const { rest } = await chatUnderway(session.id);

      replica.forget();
      const events = await rest();

      expect(events.map((e) => e.event)).toEqual(['delta', 'error']);
      expect(events[1]?.data).toMatchObject({ code: 'unavailable', message: expect.stringContaining('llm-router') });
    } finally {
      await replica.die();
    }
  });
});
