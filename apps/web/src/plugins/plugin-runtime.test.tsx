import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ApiClient } from '../api/api-client';
import type { PluginListItem, PluginRuntimeDto } from '../api/api-types';
import { Plugins } from '../system/system-page';
import { apiError, fakeFetch, json, type Reply } from '../test-support';
import { formatBytes, PluginRuntimeList, pluginsApiOf, summarizePlugin } from './plugin-runtime';

const AUREN = '6f1c1c9e-4a8e-4c59-9a53-2f1f4f0d9b11';
const NOVA = '0b5c7a52-8a39-4d0e-9a53-1f2f4f0d9b22';
const MB = 1024 * 1024;

const item = (overrides: Partial<PluginListItem>): PluginListItem => ({
  agent_id: AUREN,
  agent_name: 'Auren',
  plugin_type: 'n8n',
  enabled: true,
  hosted_by: 'plugin-supervisor',
  state: 'running',
  ...overrides,
});

const runtime = (overrides: Partial<PluginRuntimeDto>): PluginRuntimeDto => ({
  agent_id: AUREN,
  plugin_type: 'n8n',
  instance_id: 'b1f0c2de-0000-4000-8000-000000000001',
  state: 'running',
  pid: 4242,
  uptime_ms: 125_000,
  restarts: 2,
  consecutive_violations: 1,
  violations: 4,
  hook_timeouts: 0,
  hooks_dropped: 0,
  cpu_percent: 12.34,
  rss_bytes: 48 * MB,
  peak_cpu_percent: 61.5,
  peak_rss_bytes: 96 * MB,
  limits: { cpu_percent: 50, rss_bytes: 500 * MB },
  ...overrides,
});

const LIST = {
  supervisors: 1,
  plugins: [
    item({ uptime_ms: 125_000, restarts: 2 }),
    item({ agent_id: NOVA, agent_name: 'Nova', state: 'failed', reason: 'crash loop: 5 crashes in 60 s', restarts: 5 }),
    item({ agent_id: NOVA, agent_name: 'Nova', plugin_type: 'webhook', state: 'backoff', restarts: 1 }),
    item({ agent_id: NOVA, agent_name: 'Nova', plugin_type: 'discord', hosted_by: 'discord-connector', state: 'external' }),
    item({ plugin_type: 'discord', hosted_by: 'discord-connector', enabled: false, state: 'disabled' }),
  ],
};
const STATS = { supervisors: 1, plugins: [runtime({})] };

/** agent-api over a scripted fetch: `routes` answers by method and path; every request is recorded. */
function renderList(routes: Record<string, () => Reply> = {}, props: { agentId?: string } = {}) {
  const table: Record<string, () => Reply> = {
    'GET /api/plugins': () => json(200, LIST),
    'GET /api/plugins/stats': () => json(200, STATS),
    ...routes,
  };
  const { fetchFn, requests } = fakeFetch((request) => table[`${request.method} ${request.path}`]?.());
  const api = new ApiClient('vbk_test', () => undefined, fetchFn);
  render(<PluginRuntimeList api={pluginsApiOf(api)} {...props} />);
  return { requests };
}

const row = (agent: string, plugin: string) =>
  screen.getAllByTestId('plugin-status').find((tr) => tr.getAttribute('data-plugin') === plugin && within(tr).queryByText(agent) !== null);

describe(PluginRuntimeList.name, () => {
  it('lists every agent’s plugins with their state and the per-process figures of GET /api/plugins/stats', async () => {
    renderList();
    await waitFor(() => expect(screen.getAllByTestId('plugin-status')).toHaveLength(5));
    const auren = row('Auren', 'n8n');
    expect(auren?.getAttribute('data-state')).toBe('running');
    const cells = [...(auren?.querySelectorAll('td') ?? [])].map((td) => td.textContent);
    expect(cells).toEqual(['n8n', 'Running.', '12.3 % / 61.5 % / 50.0 %', '48.0 MB / 96.0 MB / 500.0 MB', '4 (1 in a row)', '2', '2 min', 'StartStopRestart']);

    expect(row('Nova', 'n8n')?.getAttribute('data-state')).toBe('failed');
    expect(row('Nova', 'n8n')?.textContent).toContain('Failed: crash loop: 5 crashes in 60 s');
    expect(row('Nova', 'webhook')?.getAttribute('data-state')).toBe('restarting');
    expect(row('Nova', 'discord')?.textContent).toContain('Run by discord-connector.');
    expect(row('Auren', 'discord')?.textContent).toContain('Disabled in the agent’s settings.');
  });

  it('takes the figures of the replica the list names when two report the same plugin', async () => {
    const holder = 'b1f0c2de-0000-4000-8000-000000000002';
    renderList({
      'GET /api/plugins': () => json(200, { supervisors: 2, plugins: [item({ instance_id: holder })] }),
      'GET /api/plugins/stats': () => json(200, { supervisors: 2, plugins: [runtime({ cpu_percent: 0 }), runtime({ instance_id: holder, cpu_percent: 7 }), runtime({ cpu_percent: 1 })] }),
    });
    await waitFor(() => expect(row('Auren', 'n8n')?.textContent).toContain('7.0 % / 61.5 % / 50.0 %'));
  });

  it('names each button by plugin and agent, and offers only what makes sense now', async () => {
    renderList();
    await screen.findByRole('button', { name: 'Restart n8n for Auren' });
    expect((screen.getByRole('button', { name: 'Start n8n for Auren' }) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'Stop n8n for Auren' }) as HTMLButtonElement).disabled).toBe(false);
    expect((screen.getByRole('button', { name: 'Start n8n for Nova' }) as HTMLButtonElement).disabled).toBe(false);
    expect((screen.getByRole('button', { name: 'Stop n8n for Nova' }) as HTMLButtonElement).disabled).toBe(true);
    // discord-connector runs the bots (the API answers 409): no buttons for them, nor for disabled plugins.
    expect(screen.queryByRole('button', { name: /discord for/ })).toBeNull();
  });

  it('restarts a plugin through POST /api/plugins/:type/restart and shows the state after it', async () => {
    let restarted = false;
    const { requests } = renderList({
      'POST /api/plugins/n8n/restart': () => {
        restarted = true;
        return json(200, runtime({ state: 'starting' }));
      },
      'GET /api/plugins': () => json(200, { ...LIST, plugins: [item({ state: restarted ? 'starting' : 'running' })] }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Restart n8n for Auren' }));
    await waitFor(() => expect(row('Auren', 'n8n')?.getAttribute('data-state')).toBe('starting'));
    const post = requests.find((r) => r.method === 'POST');
    expect(post?.path).toBe('/api/plugins/n8n/restart');
    expect(post?.body).toEqual({ agent_id: AUREN });
  });

  it('says why an action failed, naming the plugin and agent', async () => {
    renderList({ 'POST /api/plugins/n8n/start': () => apiError(503, 'plugin_supervisor_unavailable', 'plugin-supervisor is not running') });
    fireEvent.click(await screen.findByRole('button', { name: 'Start n8n for Nova' }));
    const banner = await screen.findByTestId('plugin-action-error');
    expect(banner.textContent).toContain('Could not start n8n for Nova');
    expect(banner.textContent).toContain('plugin-supervisor is not running');
  });

  it('shows only one agent’s plugins on its settings', async () => {
    renderList({}, { agentId: NOVA });
    await waitFor(() => expect(screen.getAllByTestId('plugin-status')).toHaveLength(3));
    expect(screen.queryByText('Auren')).toBeNull();
    expect(screen.queryByRole('columnheader', { name: 'Agent' })).toBeNull();
  });

  it('says plainly when no plugin-supervisor answers, and when the figures cannot be had', async () => {
    renderList({
      'GET /api/plugins': () => json(200, { supervisors: 0, plugins: [item({ state: 'pending' })] }),
      'GET /api/plugins/stats': () => apiError(500, 'internal', 'boom'),
    });
    expect((await screen.findByTestId('no-supervisor')).textContent).toContain('No plugin-supervisor replica answered');
    expect(row('Auren', 'n8n')?.textContent).toContain('Not running: enabled, but no plugin-supervisor replica runs it yet.');
    expect(screen.getByText(/Could not load the plugins’ CPU and memory figures/)).toBeTruthy();
  });

  it('says when the plugin list itself cannot be loaded', async () => {
    renderList({ 'GET /api/plugins': () => apiError(503, 'unavailable', 'plugin-supervisor did not answer') });
    const banner = await screen.findByTestId('error-banner');
    expect(banner.textContent).toContain('plugin-supervisor is not running');
    expect(screen.queryByTestId('plugin-status')).toBeNull();
  });
});

describe(summarizePlugin.name, () => {
  it('puts each state in words, with the reason the API gives', () => {
    expect(summarizePlugin(item({ state: 'limit_exceeded', reason: 'RSS over 500 MB three times in a row' }))).toEqual({
      state: 'limit_exceeded',
      text: 'Stopped over its limits: RSS over 500 MB three times in a row',
    });
    expect(summarizePlugin(item({ state: 'stopped' }))).toEqual({ state: 'stopped', text: 'Stopped.' });
    expect(summarizePlugin(item({ state: 'failed' }), runtime({ state: 'failed', last_error: 'ECONNREFUSED' })).text).toBe('Failed: ECONNREFUSED');
    expect(summarizePlugin(item({ health: { state: 'degraded', detail: 'webhook answered 502' } })).text).toBe('Running, degraded: webhook answered 502');
  });

  it('formats sizes', () => {
    expect(formatBytes(undefined)).toBe('—');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(48 * MB)).toBe('48.0 MB');
  });
});

describe(Plugins.name, () => {
  it('shows Discord bots as discord-connector reports them and the other plugins from plugin-supervisor', async () => {
    const { fetchFn } = fakeFetch((request) => {
      if (request.path === '/api/plugins') return json(200, LIST);
      if (request.path === '/api/plugins/stats') return json(200, STATS);
      if (request.path === `/api/plugins/discord/voice/status/${NOVA}`) return apiError(503, 'unavailable', 'discord-connector is not running');
      return undefined;
    });
    const api = new ApiClient('vbk_test', () => undefined, fetchFn);
    render(<Plugins api={pluginsApiOf(api)} supervisor="healthy" loadDiscordStatus={(agentId) => api.discordStatus(agentId)} />);
    await waitFor(() => expect(screen.getByTestId('discord-status').getAttribute('data-state')).toBe('not_running'));
    expect(row('Nova', 'discord')?.textContent).toContain('discord-connector is not running');
    expect(row('Auren', 'n8n')?.getAttribute('data-state')).toBe('running');
    expect(screen.queryByText(/not running yet/)).toBeNull();
  });
});
