import { Bus } from '@voxbridge/bus';
import { AgentSubjects, domainEvents, SessionSubjects, type SessionDto } from '@voxbridge/contracts';
import { runMigrations } from '@voxbridge/persistence';
import { bootService, testLogger, type RunningService } from '@voxbridge/service-testing';
import { createTestDatabase, dropDatabase, expectEventually, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { LiveEventsHub } from '../src/events/live-events.hub';
import { useWebSocketAdapter } from '../src/events/use-websocket-adapter';
import { configureHttp } from '../src/http/configure-http';
import { serviceSchema } from '../src/persistence/schema';
import { agentApiDefinition } from './support/agent-api-harness';

interface LiveMessage {
  event: string;
  data: Record<string, unknown>;
}

/** A /ws/events client that records every message and how the connection ended. */
class EventsClient {
  readonly messages: LiveMessage[] = [];
  closeCode?: number;
  closeReason?: string;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.messages.push(JSON.parse(String(data)) as LiveMessage));
    ws.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<EventsClient> {
    const ws = new WebSocket(url, { headers });
    const client = new EventsClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
      ws.once('error', reject);
    });
  }

  events(): string[] {
    return this.messages.map((m) => m.event);
  }

  of(event: string): LiveMessage[] {
    return this.messages.filter((m) => m.event === event);
  }

  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  /** Stops reading from the socket, as a client stuck on a slow network would. */
  stall(): void {
    (this.ws as unknown as { _socket: Socket })._socket.pause();
  }

  resume(): void {
    (this.ws as unknown as { _socket: Socket })._socket.resume();
  }
}

function session(overrides: Partial<SessionDto> = {}): SessionDto {
  return {
    id: randomUUID(),
    user_id: 'user-1',
    user_name: null,
    title: 'New Conversation',
    agent_id: randomUUID(),
    active: true,
    started_at: new Date().toISOString(),
    ended_at: null,
    session_type: 'api',
    session_metadata: {},
    message_count: 0,
    ...overrides,
  };
}

describe('/ws/events (agent-api, NATS and Postgres real)', () => {
  const infra = testInfra();
  const namespace = uniqueNamespace('ev');
  const adminKey = `vbk_${randomBytes(24).toString('base64url')}`;
  let databaseUrl: string;
  let service: RunningService;
  let bus: Bus;
  let wsUrl: string;
  const clients: EventsClient[] = [];

  const open = async (query = `?token=${adminKey}`, headers: Record<string, string> = {}) => {
    const client = await EventsClient.open(`${wsUrl}${query}`, headers);
    clients.push(client);
    await expectEventually(() => expect(client.events()).toContain('ready'));
    return client;
  };

  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`${service.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`));
    return Number(line?.split(' ').at(-1));
  };

  beforeAll(async () => {
    databaseUrl = await createTestDatabase(infra.serverUrl, 'vb_agent_api');
    await runMigrations(databaseUrl, [serviceSchema]);
    service = await bootService(
      {
        ...agentApiDefinition,
        configure: (app, config) => {
          configureHttp(app, config);
          useWebSocketAdapter(app);
        },
      },
      {
        NATS_URL: infra.natsUrl,
        DATABASE_URL: databaseUrl,
        VOXBRIDGE_NAMESPACE: namespace,
        VOXBRIDGE_BOOTSTRAP_ADMIN_KEY: adminKey,
        WS_EVENTS_MAX_BUFFER_KB: '16',
      },
    );
    wsUrl = `${service.baseUrl.replace('http', 'ws')}/ws/events`;
    bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'events-test', logger: testLogger('events-test') });
    await bus.ensureStream('agents', [domainEvents('agents')]);
  });

  afterAll(async () => {
    for (const client of clients) client.ws.terminate();
    await bus?.drain();
    await service?.close();
    if (databaseUrl) await dropDatabase(infra.serverUrl, databaseUrl);
  });

  it('refuses the upgrade without a valid API key (401)', async () => {
    await expect(EventsClient.open(wsUrl)).rejects.toThrow('upgrade refused: 401');
    await expect(EventsClient.open(`${wsUrl}?token=vbk_${randomBytes(24).toString('base64url')}`)).rejects.toThrow('upgrade refused: 401');
    await expect(EventsClient.open(wsUrl, { authorization: 'Bearer nope' })).rejects.toThrow('upgrade refused: 401');
  });

  it('greets a client authenticated by ?token= or by Authorization header with ready', async () => {
    const byQuery = await open();
    const byHeader = await open('', { authorization: `Bearer ${adminKey}` });
    for (const client of [byQuery, byHeader]) {
      expect(client.messages[0]).toEqual({ event: 'ready', data: { connection_id: expect.any(String), subscription: null, max_buffer_kb: 16 } });
    }
  });

  it('relays session and agent events from the bus as {event, data}', async () => {
    const client = await open();
    const created = session();
    bus.publishJson(SessionSubjects.sessionCreated, created);
    const agentId = randomUUID();
    await bus.publishDurable(AgentSubjects.created, { id: agentId, agent: { id: agentId, name: 'Auren' } });
    await bus.publishDurable(AgentSubjects.deleted, { id: agentId });
    const turn = { session_id: created.id, agent_id: created.agent_id, turn_id: randomUUID(), messages: [{ role: 'user', content: 'hi' }] };
    bus.publishJson(SessionSubjects.turnRecorded, turn);
    await expectEventually(() => {
      expect(client.of('turn_committed')).toContainEqual({ event: 'turn_committed', data: turn });
      expect(client.of('session_created')).toContainEqual({ event: 'session_created', data: created });
      expect(client.of('agent_created')).toContainEqual({ event: 'agent_created', data: { id: agentId, name: 'Auren' } });
      expect(client.of('agent_deleted')).toContainEqual({ event: 'agent_deleted', data: { id: agentId } });
    });
  });

  it('delivers a session subscriber only its session’s events', async () => {
    const client = await open();
    const mine = session();
    const other = session({ agent_id: mine.agent_id });
    client.send({ action: 'subscribe', session_id: mine.id });
    await expectEventually(() => expect(client.of('subscribed')).toEqual([{ event: 'subscribed', data: { session_id: mine.id } }]));

    // Same subject, published in this order: once mine has arrived, the other one would have too.
    bus.publishJson(SessionSubjects.sessionCreated, other);
    bus.publishJson(SessionSubjects.sessionCreated, mine);
    await expectEventually(() => expect(client.of('session_created').map((m) => m.data['id'])).toContain(mine.id));
    expect(client.of('session_created').map((m) => m.data['id'])).toEqual([mine.id]);
  });

  it('delivers an agent subscriber its agent’s events and its sessions’ events, nothing else', async () => {
    const client = await open();
    const agentId = randomUUID();
    client.send({ action: 'subscribe', agent_id: agentId });
    await expectEventually(() => expect(client.events()).toContain('subscribed'));

    await bus.publishDurable(AgentSubjects.updated, { id: randomUUID(), agent: { name: 'someone else' } });
    bus.publishJson(SessionSubjects.sessionCreated, session());
    bus.publishJson(SessionSubjects.sessionCreated, session({ agent_id: agentId }));
    await bus.publishDurable(AgentSubjects.updated, { id: agentId, agent: { id: agentId, name: 'mine' } });
    await expectEventually(() => {
      expect(client.of('agent_updated').map((m) => m.data['name'])).toContain('mine');
      expect(client.of('session_created').map((m) => m.data['agent_id'])).toContain(agentId);
    });
    expect(client.of('agent_updated').map((m) => m.data['name'])).toEqual(['mine']);
    expect(client.of('session_created').map((m) => m.data['agent_id'])).toEqual([agentId]);
  });

  it('answers bad input with an error event, keeps the connection, and pongs', async () => {
    const client = await open();
    client.send({ action: 'subscribe', session_id: 'vb.>' });
    client.send('ping');
    client.send({ action: 'ping' });
    await expectEventually(() => expect(client.events()).toEqual(['ready', 'error', 'pong', 'pong']));
    expect(client.messages[1]).toEqual({ event: 'error', data: { code: 'validation_failed', message: 'session_id must be a UUID' } });
    expect(client.closeCode).toBeUndefined();
  });

  it.each([
    ['a text message of 4097 bytes', 'x'.repeat(4097), 4097],
    ['a binary message of 100 KB', Buffer.alloc(100_000, 1), 100_000],
  ])('closes with 1009 and a reason naming the size on %s', async (_what, message, sizeBytes) => {
    const client = await open();
    client.ws.send(message);
    await expectEventually(() => expect(client.closeCode).toBe(1009));
    expect(client.closeReason).toBe(`message of ${sizeBytes} bytes; at most 4096`);
    expect(client.of('error')).toEqual([]);
  });

  it('drops a client that stops reading once its backlog passes the limit, and keeps serving the others', async () => {
    const hub = service.app.get(LiveEventsHub);
    const watched = session();
    const healthy = await open();
    healthy.send({ action: 'subscribe', session_id: watched.id });
    await expectEventually(() => expect(healthy.events()).toContain('subscribed'));
    const slow = await open();
    const connectedBefore = hub.clientCount;
    slow.stall();

    // Big events until the kernel buffers are full and the server-side backlog passes 16 KB.
    const bulky = session({ session_metadata: { padding: 'x'.repeat(32 * 1024) } });
    await expectEventually(
      async () => {
        for (let i = 0; i < 50; i++) bus.publishJson(SessionSubjects.sessionCreated, bulky);
        await bus.connection.flush();
        expect(await metric('ws_events_slow_clients_dropped_total')).toBe(1);
      },
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    expect(hub.clientCount).toBe(connectedBefore - 1);
    expect(await metric('ws_events_clients')).toBe(connectedBefore - 1);

    bus.publishJson(SessionSubjects.sessionEnded, { ...watched, active: false });
    await expectEventually(() => expect(healthy.of('session_ended')).toHaveLength(1));

    slow.resume();
    await expectEventually(() => expect([1013, 1006]).toContain(slow.closeCode));
  });

  it('forgets every client once it disconnects (connected gauge back to 0)', async () => {
    await open();
    expect(await metric('ws_events_clients')).toBeGreaterThan(0);
    for (const client of clients) client.ws.close();
    await expectEventually(async () => {
      expect(service.app.get(LiveEventsHub).clientCount).toBe(0);
      expect(await metric('ws_events_clients')).toBe(0);
    });
  });
});
