import { Bus } from '@voxbridge/bus';
import { SessionSubjects, type MessageDto, type SessionDto, type SessionPage, type TurnCommittedEvent } from '@voxbridge/contracts';
import { expectEventually, testInfra } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { adminKey, newRun, type Run } from './support/fleet';
import { isAlive, LauncherProcess } from './support/launcher-process';

const BOOT_TIMEOUT_MS = 120_000;

interface LiveMessage {
  event: string;
  data: Record<string, unknown>;
}

/**
 * Black-box through the running fleet, as an integrator uses it: REST on agent-api, turns arriving
 * as durable JetStream events into session-store, and the live feed on /ws/events.
 */
describe('the REST gateway and the system of record, through the running fleet', () => {
  let run: Run;
  let fleet: LauncherProcess;
  let bus: Bus;
  let key: string;
  const base = () => `http://127.0.0.1:${run.portBase}`;

  async function call<T = unknown>(method: string, path: string, body?: unknown, token: string | null = key) {
    const response = await fetch(`${base()}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async function liveFeed(): Promise<{ socket: WebSocket; messages: LiveMessage[] }> {
    const messages: LiveMessage[] = [];
    const socket = new WebSocket(`ws://127.0.0.1:${run.portBase}/ws/events?token=${encodeURIComponent(key)}`);
    socket.on('message', (raw) => messages.push(JSON.parse(String(raw)) as LiveMessage));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    await expectEventually(() => expect(messages.map((m) => m.event)).toContain('ready'));
    return { socket, messages };
  }

  beforeAll(async () => {
    run = await newRun();
    fleet = LauncherProcess.start(run.env);
    await expectEventually(() => expect(fleet.text()).toContain('8/8 ready'), {
      timeoutMs: BOOT_TIMEOUT_MS,
      intervalMs: 100,
      context: () => fleet.lastLines(),
    });
    key = adminKey(run);
    bus = await Bus.connect({ servers: testInfra().natsUrl, namespace: run.namespace, name: 'e2e' });
  }, BOOT_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    await bus?.drain();
    if (fleet?.isRunning()) {
      fleet.child.kill('SIGTERM');
      await fleet.exited;
    }
    for (const pid of fleet?.allPids() ?? []) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    if (run) rmSync(join(run.home, '..'), { recursive: true, force: true });
  });

  it('printed the admin key once and created the encryption key, both private to the user', () => {
    expect(fleet.text()).toContain(key);
    expect(fleet.text().split(key)).toHaveLength(2);
    const encryptionKey = readFileSync(join(run.home, 'encryption-key'), 'utf8').trim();
    expect(fleet.text()).not.toContain(encryptionKey.split(':')[1]);
  });

  it('refuses requests without a valid key, and seeded the three example agents with Auren as default', async () => {
    expect((await call('GET', '/api/agents', undefined, null)).status).toBe(401);
    expect((await call('GET', '/api/agents', undefined, 'vbk_not-a-real-key-0000000000000000000000')).status).toBe(401);

    const agents = await call<Array<{ name: string; is_default: boolean }>>('GET', '/api/agents');
    expect(agents.status).toBe(200);
    expect(agents.body.map((a) => a.name).sort()).toEqual(['Auren', 'Creative Writer', 'TechSupport']);
    expect(agents.body.filter((a) => a.is_default).map((a) => a.name)).toEqual(['Auren']);
  });

  it('documents every endpoint in OpenAPI', async () => {
    const spec = await call<{ openapi: string; paths: Record<string, unknown> }>('GET', '/api/docs-json');
    expect(spec.status).toBe(200);
    expect(spec.body.openapi).toMatch(/^3\./);
    for (const path of ['/api/agents', '/api/agents/{id}', '/api/agents/{id}/set-default', '/api/sessions', '/api/sessions/{id}/messages', '/api/keys', '/api/fleet/health']) {
      expect(Object.keys(spec.body.paths)).toContain(path);
    }
  });

  it('keeps a conversation: agent with a secret, session, durable turns written once, live events, and deletion cascading', async () => {
    const feed = await liveFeed();
    try {
      const created = await call<{ id: string; plugins: Record<string, Record<string, unknown>> }>('POST', '/api/agents', {
        name: `E2E ${randomUUID().slice(0, 8)}`,
        system_prompt: 'You are terse.',
        plugins: { discord: { enabled: false, bot_token: 'MTA-e2e-secret-bot-token-4711' } },
      });
      expect(created.status).toBe(201);
      expect(JSON.stringify(created.body)).not.toContain('MTA-e2e-secret-bot-token');
      expect(created.body.plugins['discord']?.['bot_token']).toEqual({ set: true, last4: '4711' });
      const agentId = created.body.id;

      feed.socket.send(JSON.stringify({ action: 'subscribe', agent_id: agentId }));
      await expectEventually(() => expect(feed.messages.map((m) => m.event)).toContain('subscribed'));

      const session = await call<SessionDto>('POST', '/api/sessions', { user_id: 'e2e-user', agent_id: agentId, session_type: 'api' });
      expect(session.status).toBe(201);
      expect(session.body).toMatchObject({ title: 'New Conversation', message_count: 0, active: true });

      const turn: TurnCommittedEvent = {
        turn_id: randomUUID(),
        session_id: session.body.id,
        agent_id: agentId,
        user_text: 'How far away is the Moon from the Earth these days?',
        assistant_text: 'About three hundred and eighty four',
        interrupted: true,
        stt_latency_ms: 140,
        llm_ttft_ms: 310,
        tts_ttfb_ms: 95,
        total_latency_ms: 560,
        overhead_ms: 6,
        provider: 'openrouter',
        model: 'anthropic/claude-3.5-sonnet',
        committed_at: new Date().toISOString(),
      };
      // Delivered three times (a retrying producer, a redelivery): written once.
      await bus.publishDurable(SessionSubjects.turnCommitted, turn, { msgId: turn.turn_id });
      await bus.publishDurable(SessionSubjects.turnCommitted, turn, { msgId: turn.turn_id });
      await bus.publishDurable(SessionSubjects.turnCommitted, turn);

      const messages = await expectEventually(async () => {
        const page = await call<MessageDto[]>('GET', `/api/sessions/${session.body.id}/messages`);
        expect(page.body.map((m) => m.role)).toEqual(['user', 'assistant']);
        return page.body;
      }, { timeoutMs: 15_000 });
      expect(messages[1]).toMatchObject({
        turn_id: turn.turn_id,
        content: 'About three hundred and eighty four',
        interrupted: true,
        stt_latency_ms: 140,
        llm_ttft_ms: 310,
        tts_ttfb_ms: 95,
        total_latency_ms: 560,
      });
      const titled = await call<SessionDto>('GET', `/api/sessions/${session.body.id}`);
      expect(titled.body.title).toMatch(/^How far away is the Moon/);
      expect(titled.body.message_count).toBe(2);

      await expectEventually(() => {
        const events = feed.messages.map((m) => m.event);
        expect(events).toEqual(expect.arrayContaining(['agent_created', 'session_created', 'turn_committed']));
      }, { timeoutMs: 10_000 });
      expect(JSON.stringify(feed.messages)).not.toContain('MTA-e2e-secret-bot-token');

      expect((await call('DELETE', `/api/agents/${agentId}`)).status).toBe(204);
      await expectEventually(async () => {
        const left = await call<SessionPage>('GET', `/api/sessions?agent_id=${agentId}`);
        expect(left.body.items).toEqual([]);
      }, { timeoutMs: 15_000 });
      expect((await call('GET', `/api/sessions/${session.body.id}`)).status).toBe(404);
      await expectEventually(() => expect(feed.messages.map((m) => m.event)).toContain('agent_deleted'));
    } finally {
      feed.socket.close();
    }
  });

  it('keeps exactly one default agent under concurrent set-default calls', async () => {
    const agents = await call<Array<{ id: string }>>('GET', '/api/agents');
    const ids = agents.body.map((a) => a.id);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => call('PUT', `/api/agents/${ids[i % ids.length] ?? ''}/set-default`)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const after = await call<Array<{ is_default: boolean }>>('GET', '/api/agents');
    expect(after.body.filter((a) => a.is_default)).toHaveLength(1);
  });

  it('answers 403 to a client key on key management, 409 on a duplicate name, 413 on a huge body, 429 over the rate', async () => {
    // The key's own limit: a burst of 5 and one token per 1 000 s, so the count of 429s below is
    // exact whatever the machine's speed (no refill can happen within the test).
    const client = await call<{ key: string }>('POST', '/api/keys', { name: 'e2e client', role: 'client', rate_limit_per_second: 0.001, rate_limit_burst: 5 });
    expect(client.status).toBe(201);
    expect((await call('GET', '/api/keys', undefined, client.body.key)).status).toBe(403);
    expect((await call('GET', '/api/fleet/health', undefined, client.body.key)).status).toBe(200);

    expect((await call('POST', '/api/agents', { name: 'TechSupport', system_prompt: 'again' })).status).toBe(409);
    expect((await call('POST', '/api/agents', { name: 'Huge', system_prompt: 'x'.repeat(300 * 1024) })).status).toBe(413);

    const burst = await Promise.all(Array.from({ length: 12 }, () => call('GET', '/api/fleet/health', undefined, client.body.key)));
    const limited = burst.filter((r) => r.status === 429);
    expect(limited).toHaveLength(12 - 3); // 5 in the burst: 2 spent above on /api/keys and /api/fleet/health
    expect(limited[0]?.body).toMatchObject({ error: { code: 'rate_limited' } });
  });

  it('never wrote a secret to any service log', () => {
    // Every service's output went through the launcher: scan all of it.
    expect(fleet.text()).not.toContain('MTA-e2e-secret-bot-token');
    expect(fleet.text()).not.toContain(readFileSync(join(run.home, 'encryption-key'), 'utf8').trim().split(':')[1]);
  });

  it('answers bad input with a 4xx naming the field and changes nothing', async () => {
    const before = await call<unknown[]>('GET', '/api/agents');
    const bad = await call<{ error: { code: string; fields?: Record<string, string[]> } }>('POST', '/api/agents', {
      name: 'Out of range',
      system_prompt: 'x',
      temperature: 2.5,
      unknown_field: 1,
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields ?? {})).toEqual(expect.arrayContaining(['temperature', 'unknown_field']));
    expect((await call('GET', '/api/sessions/not-a-uuid')).status).toBe(400);
    expect((await call('GET', `/api/sessions/${randomUUID()}`)).status).toBe(404);
    expect((await call<unknown[]>('GET', '/api/agents')).body).toEqual(before.body);
  });
});
