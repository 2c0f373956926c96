import { Bus, type BusSubscription } from '@voxbridge/bus';
import { DiscordContracts, PluginContracts, queueGroup, type PluginControlRequest, type PluginRuntimeDto } from '@voxbridge/contracts';
import { decryptField, KeyRing } from '@voxbridge/plugin-sdk';
import { testInfra } from '@voxbridge/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { newEncryptionKey, startAgentApi, type AgentApiHarness } from '../../test/support/agent-api-harness';

const WEBHOOK = 'https://n8n.example/webhook/private-7c1e9f';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** A FAKE plugin-supervisor replica on the real bus: answers the real contracts for the plugins it "runs". */
class FakeSupervisor {
  readonly instanceId = randomUUID();
  readonly controls: PluginControlRequest[] = [];
  plugins: PluginRuntimeDto[] = [];
  private subscriptions: BusSubscription[] = [];

  start(bus: Bus): void {
    this.subscriptions = [
      bus.serve(PluginContracts.runtime, () => ({ instance_id: this.instanceId, plugins: this.plugins })),
      bus.serve(PluginContracts.control, (req) => {
        const plugin = this.plugins.find((p) => p.agent_id === req.agent_id && p.plugin_type === req.plugin_type);
        if (!plugin) return { instance_id: this.instanceId, held: false };
        this.controls.push(req);
        plugin.state = req.action === 'stop' ? 'stopped' : 'running';
        return { instance_id: this.instanceId, held: true, plugin };
      }),
    ];
  }

  async stop(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    await Promise.all(this.subscriptions.map((s) => s.closed));
  }
}

function running(agentId: string, instanceId: string): PluginRuntimeDto {
  return {
    agent_id: agentId,
    plugin_type: 'n8n',
    instance_id: instanceId,
    state: 'running',
    pid: 4242,
    uptime_ms: 1000,
    restarts: 1,
    consecutive_violations: 0,
    violations: 2,
    hook_timeouts: 0,
    hooks_dropped: 0,
    cpu_percent: 3.5,
    rss_bytes: 60_000_000,
    peak_cpu_percent: 12,
    peak_rss_bytes: 70_000_000,
    limits: { cpu_percent: 50, rss_bytes: 500 * 1_048_576 },
    health: { state: 'ok', counters: { delivered: 3 } },
  };
}

describe('/api/plugins (agent-api, real NATS + Postgres, fake plugin-supervisor)', () => {
  const keyText = newEncryptionKey('kp');
  let api: AgentApiHarness;
  let bus: Bus;
  let agentId = '';
  let disabledAgentId = '';
  const supervisor = new FakeSupervisor();

  beforeAll(async () => {
    api = await startAgentApi({ VOXBRIDGE_ENCRYPTION_KEY: keyText });
    bus = await Bus.connect({ servers: testInfra().natsUrl, namespace: api.namespace, name: 'test-plugins', logger: quiet });
    const created = await api.request('POST', '/api/agents', {
      name: `n8n-${randomBytes(4).toString('hex')}`,
      system_prompt: 'Be brief.',
      plugins: { n8n: { enabled: true, webhook_url: WEBHOOK, secret: 'hmac-key-123456', limits: { cpu_percent: 20 } } },
    });
    expect(created.status).toBe(201);
    agentId = (created.body as { id: string }).id;
    const disabled = await api.request('POST', '/api/agents', { name: `off-${randomBytes(4).toString('hex')}`, system_prompt: 'p', plugins: { n8n: { enabled: false } } });
    disabledAgentId = (disabled.body as { id: string }).id;
  });

  afterAll(async () => {
    await supervisor.stop();
    await bus?.drain();
    await api?.close();
  });

  it('lists enabled generic plugins for plugin-supervisor with secrets sealed, opening only with the fleet key', async () => {
    const { plugins } = await bus.call(PluginContracts.configs, { agent_id: agentId });

    expect(plugins).toHaveLength(1);
    const [entry] = plugins;
    expect(entry).toMatchObject({ agent_id: agentId, plugin_type: 'n8n', settings: { enabled: true, limits: { cpu_percent: 20 } } });
    expect(JSON.stringify(plugins)).not.toContain(WEBHOOK);
    const sealed = entry?.secrets['webhook_url'];
    if (!sealed || typeof sealed !== 'object') throw new Error('no sealed webhook_url');
    expect(decryptField(sealed as never, KeyRing.fromText(keyText), { agentId, pluginType: 'n8n', field: 'webhook_url' })).toBe(WEBHOOK);
    expect((await bus.call(PluginContracts.configs, { agent_id: disabledAgentId })).plugins).toEqual([]);
  });

  it('answers 503 to control while no supervisor runs, and shows the plugin pending', async () => {
    const control = await api.request('POST', '/api/plugins/n8n/restart', { agent_id: agentId });
    expect(control.status).toBe(503);

    const list = await api.request('GET', '/api/plugins');
    expect(list.status).toBe(200);
    const mine = (list.body as { plugins: Array<Record<string, unknown>> }).plugins.filter((p) => p['agent_id'] === agentId || p['agent_id'] === disabledAgentId);
    expect(mine).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ agent_id: agentId, plugin_type: 'n8n', enabled: true, state: 'pending', hosted_by: 'plugin-supervisor' }),
        expect.objectContaining({ agent_id: disabledAgentId, plugin_type: 'n8n', enabled: false, state: 'disabled' }),
      ]),
    );
  });

  it('shows the runtime state and per-process figures the supervisors report', async () => {
    supervisor.plugins = [running(agentId, supervisor.instanceId)];
    supervisor.start(bus);
    await bus.connection.flush();

    const list = await api.request('GET', '/api/plugins');
    const stats = await api.request('GET', '/api/plugins/stats');

    expect((list.body as { plugins: Array<Record<string, unknown>> }).plugins.find((p) => p['agent_id'] === agentId)).toMatchObject({
      state: 'running',
      instance_id: supervisor.instanceId,
      restarts: 1,
      health: { state: 'ok' },
    });
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ supervisors: 1, plugins: [{ agent_id: agentId, cpu_percent: 3.5, rss_bytes: 60_000_000, peak_rss_bytes: 70_000_000, violations: 2 }] });
    expect(JSON.stringify([list.body, stats.body])).not.toContain('private-7c1e9f');
  });

  it('stops and starts a plugin on the replica holding it; refuses with the right status otherwise', async () => {
    const stop = await api.request('POST', '/api/plugins/n8n/stop', { agent_id: agentId });
    expect(stop).toMatchObject({ status: 200, body: { state: 'stopped', agent_id: agentId } });
    expect((await api.request('POST', '/api/plugins/n8n/start', { agent_id: agentId })).body).toMatchObject({ state: 'running' });
    expect(supervisor.controls.map((c) => c.action)).toEqual(['stop', 'start']);

    expect((await api.request('POST', '/api/plugins/n8n/pause', { agent_id: agentId })).status).toBe(400);
    expect((await api.request('POST', '/api/plugins/n8n/stop', { agent_id: 'nope' })).status).toBe(400);
    expect((await api.request('POST', '/api/plugins/n8n/stop', { agent_id: randomUUID() })).status).toBe(404);
    expect((await api.request('POST', '/api/plugins/n8n/stop', { agent_id: disabledAgentId })).status).toBe(404);
    expect((await api.request('POST', '/api/plugins/discord/stop', { agent_id: agentId })).status).toBe(409);
  });

  it('reports Discord bots as discord-connector sees them', async () => {
    const created = await api.request('POST', '/api/agents', {
      name: `bot-${randomBytes(4).toString('hex')}`,
      system_prompt: 'p',
      plugins: { discord: { enabled: true, bot_token: 'MTIz.discord-token-for-plugins-list' } },
    });
    const botAgentId = (created.body as { id: string }).id;
    const connectorId = randomUUID();
    const connector = bus.serve(
      DiscordContracts.status,
      (req) => ({ agent_id: req.agent_id, agent_name: 'bot', instance_id: connectorId, bot: { state: 'logged_in' as const, reconnects: 0 }, guilds: [], connections: [] }),
      { queue: queueGroup(api.namespace, 'discord-connector') },
    );
    await bus.connection.flush();

    const list = await api.request('GET', '/api/plugins');
    connector.unsubscribe();

    expect((list.body as { plugins: Array<Record<string, unknown>> }).plugins.find((p) => p['agent_id'] === botAgentId)).toMatchObject({
      plugin_type: 'discord',
      hosted_by: 'discord-connector',
      state: 'running',
      instance_id: connectorId,
    });
    expect(JSON.stringify(list.body)).not.toContain('discord-token-for-plugins-list');
  });

  it('publishes the routes in the OpenAPI document', async () => {
    const doc = await api.request('GET', '/api/docs-json');
    const paths = Object.keys((doc.body as { paths?: Record<string, unknown> }).paths ?? {});

    expect(paths).toEqual(expect.arrayContaining(['/api/plugins', '/api/plugins/stats', '/api/plugins/{type}/{action}']));
  });
});
