import { expectEventually } from '@voxbridge/testing';
import { AppLogger, MetricsService } from '@voxbridge/platform';
import { Writable } from 'node:stream';
import type { AgentApiEnv } from '../config/agent-api.env';
import { EventsMetrics } from './events.metrics';
import { CLOSE_SLOW_CLIENT, LiveEventsHub, type LiveSocket } from './live-events.hub';
import type { SessionVisibility, Viewer, Visibility } from './session-visibility';

const SESSION_A = '11111111-1111-4111-8111-111111111111';
const SESSION_B = '22222222-2222-4222-8222-222222222222';
const AGENT = '33333333-3333-4333-8333-333333333333';
const KEY_A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const KEY_B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const ADMIN: Viewer = { keyId: 'cccccccc-cccc-4ccc-8ccc-cccccccccccc', role: 'admin' };
const CLIENT_A: Viewer = { keyId: KEY_A, role: 'client' };

/** Session A belongs to key A; session B to key B (the rule of /api/sessions). */
const visibility = {
  of: (viewer: Viewer, sessionId: string): Promise<Visibility> =>
    Promise.resolve(viewer.role === 'admin' || (viewer.keyId === KEY_A && sessionId === SESSION_A) ? 'visible' : 'not_found'),
} as SessionVisibility;

/** A socket whose backlog the test sets; records what was sent and how it was closed. */
class FakeSocket implements LiveSocket {
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: Array<{ event: string; data: Record<string, unknown> }> = [];
  closedWith?: number;
  terminated = false;
  send(data: string): void {
    this.sent.push(JSON.parse(data) as { event: string; data: Record<string, unknown> });
  }
  close(code: number): void {
    this.closedWith = code;
    this.readyState = 2;
  }
  terminate(): void {
    this.terminated = true;
  }
  events(): string[] {
    return this.sent.map((m) => m.event);
  }
}

function harness(maxBufferKb = 16) {
  const metricsService = new MetricsService('agent-api', 'test');
  const metrics = new EventsMetrics(metricsService);
  const logger = AppLogger.create({ service: 'test', level: 'silent', format: 'json', destination: new Writable({ write: (_c, _e, done) => done() }) });
  const sut = new LiveEventsHub({ WS_EVENTS_MAX_BUFFER_KB: maxBufferKb } as AgentApiEnv, logger, metrics, visibility);
  const gauge = async () => (await metrics.connectedClients.get()).values[0]?.value;
  const dropped = async () => (await metrics.droppedSlowClients.get()).values[0]?.value;
  return { sut, gauge, dropped };
}

describe(LiveEventsHub.name, () => {
  it('greets a client with ready and counts it until it leaves', async () => {
    const { sut, gauge } = harness();
    const socket = new FakeSocket();
    sut.connect(socket, ADMIN);
    expect(socket.sent[0]).toMatchObject({ event: 'ready', data: { connection_id: expect.any(String), subscription: null } });
    expect(await gauge()).toBe(1);
    sut.disconnect(socket);
    sut.disconnect(socket);
    expect(await gauge()).toBe(0);
    expect(sut.clientCount).toBe(0);
  });

  it('delivers everything to an unsubscribed client and only its own session once subscribed', () => {
    const { sut } = harness();
    const socket = new FakeSocket();
    sut.connect(socket, ADMIN);
    sut.publish('session_created', { session_id: SESSION_B, agent_id: AGENT }, { id: SESSION_B });
    sut.receive(socket, JSON.stringify({ action: 'subscribe', session_id: SESSION_A }));
    sut.publish('session_created', { session_id: SESSION_B, agent_id: AGENT }, { id: SESSION_B });
    sut.publish('turn_committed', { session_id: SESSION_A, agent_id: AGENT }, { session_id: SESSION_A });
    expect(socket.events()).toEqual(['ready', 'session_created', 'subscribed', 'turn_committed']);
    expect(socket.sent[3]?.data).toEqual({ session_id: SESSION_A });
  });

  it('gives an agent subscriber the agent’s own events and its sessions’ events', () => {
    const { sut } = harness();
    const socket = new FakeSocket();
    sut.connect(socket, ADMIN);
    sut.receive(socket, JSON.stringify({ action: 'subscribe', agent_id: AGENT }));
    sut.publish('agent_updated', { agent_id: '44444444-4444-4444-8444-444444444444' }, {});
    sut.publish('agent_updated', { agent_id: AGENT }, {});
    sut.publish('session_ended', { session_id: SESSION_A, agent_id: AGENT }, {});
    sut.receive(socket, 'ping');
    expect(socket.events()).toEqual(['ready', 'subscribed', 'agent_updated', 'session_ended', 'pong']);
  });

  it('answers bad input with an error event and keeps the client', () => {
    const { sut } = harness();
    const socket = new FakeSocket();
    sut.connect(socket, ADMIN);
    sut.receive(socket, '{"action":"subscribe","session_id":"nope"}');
    expect(socket.sent[1]).toEqual({ event: 'error', data: { code: 'validation_failed', message: 'session_id must be a UUID' } });
    expect(sut.clientCount).toBe(1);
    expect(socket.closedWith).toBeUndefined();
  });

  it('drops a client whose backlog passed the limit with 1013 and never sends it more', async () => {
    const { sut, gauge, dropped } = harness(16);
    const slow = new FakeSocket();
    const healthy = new FakeSocket();
    sut.connect(slow, ADMIN);
    sut.connect(healthy, ADMIN);
    slow.bufferedAmount = 16 * 1024 + 1;
    sut.publish('agent_deleted', { agent_id: AGENT }, { id: AGENT });
    sut.publish('agent_deleted', { agent_id: AGENT }, { id: AGENT });
    expect(slow.events()).toEqual(['ready']);
    expect(slow.closedWith).toBe(CLOSE_SLOW_CLIENT);
    expect(healthy.events()).toEqual(['ready', 'agent_deleted', 'agent_deleted']);
    expect(await dropped()).toBe(1);
    expect(await gauge()).toBe(1);
  });

  it('shows a client key only the sessions it created, and agent events', async () => {
    const { sut } = harness();
    const socket = new FakeSocket();
    sut.connect(socket, CLIENT_A);
    sut.publish('session_created', { session_id: SESSION_B, agent_id: AGENT, owner_key_id: KEY_B }, { id: SESSION_B });
    sut.publish('session_created', { session_id: SESSION_A, agent_id: AGENT, owner_key_id: KEY_A }, { id: SESSION_A });
    sut.publish('turn_state', { session_id: SESSION_B }, { session_id: SESSION_B });
    sut.publish('turn_state', { session_id: SESSION_A }, { session_id: SESSION_A });
    sut.publish('agent_updated', { agent_id: AGENT }, { id: AGENT });
    expect(socket.sent.slice(1).map((m) => [m.event, m.data['id'] ?? m.data['session_id']])).toEqual([
      ['session_created', SESSION_A],
      ['turn_state', SESSION_A],
      ['agent_updated', AGENT],
    ]);
  });

  it('refuses a client key’s subscription to another key’s session as not found, and allows its own', async () => {
    const { sut } = harness();
    const socket = new FakeSocket();
    sut.connect(socket, CLIENT_A);
    sut.receive(socket, JSON.stringify({ action: 'subscribe', session_id: SESSION_B }));
    await expectEventually(() => expect(socket.events()).toContain('error'));
    expect(socket.sent[1]).toEqual({ event: 'error', data: { code: 'not_found', message: `session ${SESSION_B} not found` } });
    sut.publish('turn_state', { session_id: SESSION_B }, { session_id: SESSION_B });
    sut.receive(socket, JSON.stringify({ action: 'subscribe', session_id: SESSION_A }));
    await expectEventually(() => expect(socket.events()).toContain('subscribed'));
    sut.publish('turn_state', { session_id: SESSION_A }, { session_id: SESSION_A });
    expect(socket.events()).toEqual(['ready', 'error', 'subscribed', 'turn_state']);
  });

  it('closes every socket of a revoked key with 4401, and only those', () => {
    const { sut } = harness();
    const [a1, a2, admin] = [new FakeSocket(), new FakeSocket(), new FakeSocket()];
    sut.connect(a1, CLIENT_A);
    sut.connect(a2, CLIENT_A);
    sut.connect(admin, ADMIN);
    expect(sut.closeKey(KEY_A)).toBe(2);
    expect([a1.closedWith, a2.closedWith, admin.closedWith]).toEqual([4401, 4401, undefined]);
    expect(sut.clientCount).toBe(1);
  });
});
