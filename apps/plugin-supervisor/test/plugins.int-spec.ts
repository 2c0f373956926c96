import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Bus, type BusSubscription } from '@voxbridge/bus';
import { AgentSubjects, PluginContracts, PluginControlReply, PluginStoppedEvent, PluginSubjects, SessionSubjects, type SessionEvent } from '@voxbridge/contracts';
import { runMigrations } from '@voxbridge/persistence';
import { generateEncryptionKey } from '@voxbridge/plugin-sdk';
import { expectEventually, FakeN8nWebhook, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { Client } from 'pg';
import { serviceSchema } from '../src/persistence/schema';
import { baseEnv, bootSupervisor, deleteLeaseBucket, entry, FakePluginConfigs, pluginOf, publishTurn, quiet, runtime, seal, turn, type Supervisor, defined } from './support';

/** Waits that include a child process starting (seconds on a loaded machine; tens of seconds on a saturated one). */
const CHILD_START = { timeoutMs: 90_000 };
const eventually = <T>(assertion: () => T | Promise<T>) => expectEventually(assertion, CHILD_START);

const WEBHOOK_PATH = '/webhook/vb-7f3a9c-private-path';
const HMAC_SECRET = 'hmac-secret-4b1d7e2c9a';
const ALERT_PATH = '/alerts/kw-5e8f1a-private';

// Plugin children start under a TypeScript runner here (@swc-node/register): slower than the built JS.
jest.setTimeout(300_000);

/**
 * plugin-supervisor on real NATS and Postgres, its plugins in real child processes measured from
 * /proc; agent-api's plugin list served by the test; the n8n webhook is the fake n8n.
 */
describe('plugin-supervisor plugins (child processes, real NATS + Postgres)', () => {
  const namespace = uniqueNamespace('plug');
  const keyText = generateEncryptionKey();
  const configs = new FakePluginConfigs();
  const logs: string[] = [];
  const events: PluginStoppedEvent[] = [];
  const n8nAgent = randomUUID();
  const exampleAgent = randomUUID();
  let bus: Bus;
  let events$: BusSubscription;
  let n8n: FakeN8nWebhook;
  let alerts: FakeN8nWebhook;
  let sut: Supervisor;

  const agentChanged = (id: string, deleted = false) => bus.publishJson(deleted ? AgentSubjects.deleted : AgentSubjects.updated, { id });
  const running = (agentId: string, type: string) =>
    eventually(async () => {
      const plugin = await pluginOf(bus, agentId, type);
      expect(plugin?.state).toBe('running');
      return defined(plugin);
    });

  beforeAll(async () => {
    await runMigrations(testInfra().databaseUrl, [serviceSchema]);
    n8n = await FakeN8nWebhook.start(WEBHOOK_PATH);
    alerts = await FakeN8nWebhook.start(ALERT_PATH);
    bus = await Bus.connect({ servers: testInfra().natsUrl, namespace, name: 'test', logger: quiet });
    events$ = bus.subscribeJson(PluginSubjects.stopped, PluginStoppedEvent, (event) => void events.push(event));
    configs.entries = [
      entry(n8nAgent, 'n8n', { retry_base_ms: 50, max_retries: 6, limits: { cpu_percent: 400 } }, {
        webhook_url: seal(keyText, n8nAgent, 'n8n', 'webhook_url', n8n.url),
        secret: seal(keyText, n8nAgent, 'n8n', 'secret', HMAC_SECRET),
      }),
      entry(n8nAgent, 'hanger', { limits: { cpu_percent: 400 } }),
    ];
    configs.serve(bus);
    sut = await bootSupervisor(baseEnv(namespace, keyText), logs);
  });

  afterAll(async () => {
    await sut?.close();
    events$?.unsubscribe();
    configs.close();
    await deleteLeaseBucket(bus);
    await bus?.drain();
    await n8n?.stop();
    await alerts?.stop();
  });

  it('runs each plugin in its own process and measures it from the OS', async () => {
    const [webhook, hanger] = [await running(n8nAgent, 'n8n'), await running(n8nAgent, 'hanger')];

    expect(webhook.pid).not.toBe(hanger.pid);
    expect([webhook.pid, hanger.pid]).not.toContain(process.pid);
    expect(existsSync(`/proc/${webhook.pid}`)).toBe(true);
    const measured = await eventually(async () => {
      const plugin = await pluginOf(bus, n8nAgent, 'n8n');
      expect(plugin?.rss_bytes).toBeGreaterThan(10 * 1_048_576);
      expect(plugin?.cpu_percent).toEqual(expect.any(Number));
      return defined(plugin);
    });
    expect(measured.limits).toEqual({ cpu_percent: 400, rss_bytes: 500 * 1_048_576 });
    expect(measured.peak_rss_bytes).toBeGreaterThanOrEqual(measured.rss_bytes ?? 0);
  });

  it('posts each user message and agent response to the n8n webhook in order, signed, retrying through failures', async () => {
    await running(n8nAgent, 'n8n');
    const sessionId = randomUUID();
    n8n.scriptNext({ status: 500 }, { hangUp: true }, { status: 503, delayMs: 100 });
    for (let i = 1; i <= 3; i++) publishTurn(bus, turn(n8nAgent, sessionId, `question ${i}`, `answer ${i}`));

    const delivered = await eventually(() => {
      const bodies = n8n.accepted().filter((body) => body['session_id'] === sessionId);
      expect(bodies).toHaveLength(6);
      return bodies;
    });

    expect(delivered.map((body) => [body['event'], body['role'], body['text']])).toEqual([
      ['user_message', 'user', 'question 1'],
      ['agent_response', 'assistant', 'answer 1'],
      ['user_message', 'user', 'question 2'],
      ['agent_response', 'assistant', 'answer 2'],
      ['user_message', 'user', 'question 3'],
      ['agent_response', 'assistant', 'answer 3'],
    ]);
    expect(delivered[0]).toMatchObject({ session_id: sessionId, agent_id: n8nAgent, speaker: 'Alice', occurred_at: expect.any(String), sent_at: expect.any(String) });
    expect(delivered[1]).toMatchObject({ speaker: expect.stringContaining('Agent') });
    const failedFirst = n8n.requests.filter((r) => r.status !== 200).length;
    expect(failedFirst).toBeGreaterThanOrEqual(3);
    expect(n8n.requests.filter((r) => r.json?.['session_id'] === sessionId).every((r) => FakeN8nWebhook.signedWith(r, HMAC_SECRET))).toBe(true);
  });

  it('times out a hung hook while the agent’s other plugin keeps delivering', async () => {
    await running(n8nAgent, 'hanger');
    const sessionId = randomUUID();
    publishTurn(bus, turn(n8nAgent, sessionId, 'are you there', 'yes'));
    publishTurn(bus, turn(n8nAgent, sessionId, 'still there', 'still here'));

    await eventually(() => expect(n8n.accepted().filter((body) => body['session_id'] === sessionId)).toHaveLength(4));
    const hanger = await eventually(async () => {
      const plugin = await pluginOf(bus, n8nAgent, 'hanger');
      expect(plugin?.hook_timeouts).toBeGreaterThanOrEqual(2);
      return defined(plugin);
    });
    expect(hanger.state).toBe('running');
  });

  it('passes session start and end to the hooks', async () => {
    const sessionId = randomUUID();
    const session: SessionEvent = {
      id: sessionId,
      user_id: 'web-user',
      user_name: null,
      title: 'New conversation',
      agent_id: n8nAgent,
      active: true,
      started_at: new Date().toISOString(),
      ended_at: null,
      session_type: 'webrtc',
      session_metadata: {},
      message_count: 0,
    };
    bus.publishJson(SessionSubjects.sessionCreated, session);
    bus.publishJson(SessionSubjects.sessionEnded, { ...session, active: false, ended_at: new Date().toISOString() });

    await eventually(() =>
      expect(n8n.accepted().filter((body) => body['session_id'] === sessionId).map((body) => body['event'])).toEqual(['session_start', 'session_end']),
    );
  });

  it('starts an agent’s plugins when the agent is created, and stops them when it is deleted (the SDK example, loaded by path)', async () => {
    configs.entries.push(entry(exampleAgent, 'keyword-alert', { keywords: ['refund'], limits: { cpu_percent: 400 } }, { url: seal(keyText, exampleAgent, 'keyword-alert', 'url', alerts.url) }));
    bus.publishJson(AgentSubjects.created, { id: exampleAgent });

    const started = await running(exampleAgent, 'keyword-alert');
    publishTurn(bus, turn(exampleAgent, randomUUID(), 'I would like a refund please', 'Of course'));
    await eventually(() => expect(alerts.accepted()).toMatchObject([{ alert: 'keyword', keyword: 'refund', text: 'I would like a refund please', speaker: 'Alice' }]));
    await eventually(async () => expect((await pluginOf(bus, exampleAgent, 'keyword-alert'))?.health).toEqual({ state: 'ok', counters: { alerts: 1, failures: 0 } }));

    configs.entries = configs.entries.filter((e) => e.agent_id !== exampleAgent);
    agentChanged(exampleAgent, true);

    await eventually(async () => expect(await pluginOf(bus, exampleAgent, 'keyword-alert')).toBeUndefined());
    await eventually(() => expect(existsSync(`/proc/${started.pid}`)).toBe(false));
  });

  it('restarts a plugin whose config changed, with the new config', async () => {
    const agentId = randomUUID();
    configs.entries.push(entry(agentId, 'keyword-alert', { keywords: ['cancel'], limits: { cpu_percent: 400 } }, { url: seal(keyText, agentId, 'keyword-alert', 'url', alerts.url) }));
    agentChanged(agentId);
    const before = await running(agentId, 'keyword-alert');

    configs.entries = configs.entries.map((e) => (e.agent_id === agentId ? { ...e, settings: { ...e.settings, keywords: ['upgrade'] } } : e));
    agentChanged(agentId);

    const after = await eventually(async () => {
      const plugin = await pluginOf(bus, agentId, 'keyword-alert');
      expect(plugin?.state).toBe('running');
      expect(plugin?.pid).not.toBe(before.pid);
      return defined(plugin);
    });
    publishTurn(bus, turn(agentId, randomUUID(), 'I want to upgrade', 'Sure'));
    await eventually(() => expect(alerts.accepted().filter((a) => a['keyword'] === 'upgrade')).toHaveLength(1));
    expect(after.restarts).toBe(0);
    configs.entries = configs.entries.filter((e) => e.agent_id !== agentId);
    agentChanged(agentId, true);
  });

  it('stops a plugin that burns CPU after three consecutive samples over its limit, with an event and the reason', async () => {
    const agentId = randomUUID();
    configs.entries.push(entry(agentId, 'cpu-burner', { limits: { cpu_percent: 5 } }));
    agentChanged(agentId);

    const event = await eventually(() => {
      const found = events.find((e) => e.agent_id === agentId);
      expect(found).toBeTruthy();
      return defined(found);
    });

    expect(event).toMatchObject({ plugin_type: 'cpu-burner', state: 'limit_exceeded', reason: expect.stringMatching(/^CPU .* over the limit of 5% for 3 consecutive samples$/) });
    const plugin = await pluginOf(bus, agentId, 'cpu-burner');
    expect(plugin).toMatchObject({ state: 'limit_exceeded', consecutive_violations: 3 });
    expect(plugin?.peak_cpu_percent).toBeGreaterThan(5);
    expect(plugin?.pid).toBeUndefined();
    const row = await eventually(async () => {
      const now = await runRow(agentId, 'cpu-burner');
      expect(now?.state).toBe('limit_exceeded');
      return defined(now);
    });
    // Every sample over the limit counts; only three in a row stop it (a starved burner may dip under once).
    expect(row.violations).toBeGreaterThanOrEqual(3);
    await eventually(async () => expect(await overLimitSamples(agentId)).toBeGreaterThanOrEqual(3));
  });

  it('stops a plugin that leaks memory after three consecutive samples over its limit', async () => {
    const agentId = randomUUID();
    configs.entries.push(entry(agentId, 'memory-leaker', { limits: { cpu_percent: 400, rss_mb: 200 } }));
    agentChanged(agentId);

    const event = await eventually(() => {
      const found = events.find((e) => e.agent_id === agentId);
      expect(found).toBeTruthy();
      return defined(found);
    });

    expect(event).toMatchObject({ plugin_type: 'memory-leaker', state: 'limit_exceeded', reason: expect.stringMatching(/^RSS \d+ MB over the limit of 200 MB for 3 consecutive samples$/) });
    expect((await pluginOf(bus, agentId, 'memory-leaker'))?.peak_rss_bytes).toBeGreaterThan(200 * 1_048_576);
  });

  it('restarts a crashing plugin with backoff, and a crash loop ends failed', async () => {
    const agentId = randomUUID();
    configs.entries.push(entry(agentId, 'crasher', { limits: { cpu_percent: 400 } }));
    agentChanged(agentId);

    const event = await eventually(() => {
      const found = events.find((e) => e.agent_id === agentId);
      expect(found).toBeTruthy();
      return defined(found);
    });

    expect(event).toMatchObject({ plugin_type: 'crasher', state: 'failed', reason: 'crash loop: 3 crashes within 60 s' });
    expect(await pluginOf(bus, agentId, 'crasher')).toMatchObject({ state: 'failed', restarts: 2, last_error: 'exited with code 3' });
    await eventually(async () => expect(await runRow(agentId, 'crasher')).toMatchObject({ state: 'failed', restarts: 2, last_error: 'exited with code 3' }));
  });

  it('stops, starts and restarts a plugin on an operator’s request, on the replica that holds it', async () => {
    const before = await running(n8nAgent, 'hanger');
    const control = async (action: 'start' | 'stop' | 'restart') => {
      const replies = await bus.gather(PluginContracts.control.subject, { agent_id: n8nAgent, plugin_type: 'hanger', action }, PluginControlReply, { maxWaitMs: 1_500, until: (r) => r.some((x) => x.held) });
      return replies.find((reply) => reply.held)?.plugin;
    };

    expect(await control('stop')).toMatchObject({ state: 'stopped', reason: 'stopped by an operator' });
    await eventually(() => expect(existsSync(`/proc/${before.pid}`)).toBe(false));
    expect((await control('start'))?.state).toMatch(/starting|running/);
    const restarted = await running(n8nAgent, 'hanger');
    expect(restarted.pid).not.toBe(before.pid);
  });

  it('never shows a secret in logs, events, runtime replies or its tables', async () => {
    const everything = [logs.join('\n'), JSON.stringify(events), JSON.stringify(await runtime(bus)), JSON.stringify(await allRuns())].join('\n');

    expect(logs.length).toBeGreaterThan(10);
    for (const secret of [WEBHOOK_PATH, HMAC_SECRET, ALERT_PATH]) expect(everything).not.toContain(secret);
  });
});

async function query<T>(sql: string, params: unknown[]): Promise<T[]> {
  const client = new Client({ connectionString: testInfra().databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

async function runRow(agentId: string, pluginType: string) {
  const [row] = await query<{ state: string; violations: number; restarts: number; last_error: string | null }>(
    'select state, violations, restarts, last_error from plugin_supervisor.plugin_runs where agent_id = $1 and plugin_type = $2 order by started_at desc limit 1',
    [agentId, pluginType],
  );
  return row;
}

async function overLimitSamples(agentId: string): Promise<number> {
  const [row] = await query<{ n: string }>(
    'select count(*) as n from plugin_supervisor.plugin_samples s join plugin_supervisor.plugin_runs r on r.id = s.run_id where r.agent_id = $1 and s.over_limit',
    [agentId],
  );
  return Number(row?.n ?? 0);
}

async function allRuns() {
  return query<Record<string, unknown>>('select * from plugin_supervisor.plugin_runs', []);
}
