import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { App } from './app';
import { API_KEY_STORAGE, AuthGate } from './auth/auth';
import { apiError, fakeFetch, json } from './test-support';

const agent = (id: string, name: string, is_default: boolean) => ({
  id,
  name,
  is_default,
  llm_provider: 'auto',
  llm_model: 'llama3.1:8b',
  stt_provider: 'auto',
  tts_provider: 'auto',
  tts_voice: null,
  description: null,
  fallback: [],
  plugins: { discord: { enabled: true } },
});
const AGENTS = [agent('6f1c1c9e-4a8e-4c59-9a53-2f1f4f0d9b11', 'Auren', true), agent('7f1c1c9e-4a8e-4c59-9a53-2f1f4f0d9b12', 'Nova', false)];

const DISCORD_RUNNING = {
  agent_id: AGENTS[0]?.id,
  agent_name: 'Auren',
  instance_id: '0d3f1c9e-4a8e-4c59-9a53-2f1f4f0d9b11',
  bot: { state: 'logged_in', username: 'Auren#0420', reconnects: 0 },
  guilds: [{ guild_id: '123456789012345678', name: 'Home', allowed: true }],
  connections: [],
};

const pluginItem = (agentIndex: number, plugin_type: string, state: string) => ({
  agent_id: AGENTS[agentIndex]?.id,
  agent_name: AGENTS[agentIndex]?.name,
  plugin_type,
  enabled: true,
  hosted_by: plugin_type === 'discord' ? 'discord-connector' : 'plugin-supervisor',
  state,
});
const PLUGINS = { supervisors: 1, plugins: [pluginItem(0, 'discord', 'external'), pluginItem(0, 'n8n', 'running'), pluginItem(1, 'discord', 'external')] };

function renderAt(hash: string) {
  sessionStorage.setItem(API_KEY_STORAGE, 'vbk_test');
  window.location.hash = hash;
  const { fetchFn } = fakeFetch((request) => {
    if (request.path === '/api/agents') return json(200, AGENTS);
    if (request.path === '/api/keys') return json(200, []);
    if (request.path.startsWith('/api/sessions')) return json(200, { items: [], next_cursor: null });
    if (request.path === '/api/plugins') return json(200, PLUGINS);
    if (request.path === '/api/plugins/stats') return json(200, { supervisors: 1, plugins: [] });
    if (request.path === `/api/plugins/discord/voice/status/${AGENTS[0]?.id}`) return json(200, DISCORD_RUNNING);
    if (request.path.startsWith('/api/plugins/discord/voice/status/')) return apiError(503, 'unavailable', 'discord-connector is not running');
    if (request.path === '/api/fleet/health') return json(200, { status: 'healthy', namespace: 'vb', checked_at: '2026-11-25T10:00:00.000Z', services: [] });
    return undefined;
  });
  render(
    <AuthGate fetchFn={fetchFn}>
      <App />
    </AuthGate>,
  );
}

function go(hash: string) {
  window.location.hash = hash;
  fireEvent(window, new HashChangeEvent('hashchange'));
}

describe(App.name, () => {
  it('names the browser tab after each page', async () => {
    renderAt('#/talk');
    await waitFor(() => expect(document.title).toBe('Talk · VoxBridge'));
    for (const [hash, title] of [
      ['#/agents', 'Agents · VoxBridge'],
      ['#/conversations', 'Conversations · VoxBridge'],
      ['#/system', 'System · VoxBridge'],
      ['#/keys', 'API keys · VoxBridge'],
    ] as const) {
      go(hash);
      await waitFor(() => expect(document.title).toBe(title));
    }
  });

  it('gives each agent’s links and buttons names of their own', async () => {
    renderAt('#/agents');
    expect(await screen.findByRole('link', { name: 'Talk to Auren' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Talk to Nova' }).getAttribute('href')).toBe('#/talk?agent=7f1c1c9e-4a8e-4c59-9a53-2f1f4f0d9b12');
    expect(screen.getByRole('button', { name: 'Edit Auren' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Edit Nova' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Delete Nova' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Make Nova the default' })).toBeTruthy();
    const names = [...document.querySelectorAll('main a, main button')].map((element) => element.getAttribute('aria-label') ?? element.textContent?.trim());
    expect(new Set(names).size).toBe(names.length);
  });

  it('shows each Discord bot as discord-connector reports it, and the other plugins as plugin-supervisor does', async () => {
    renderAt('#/agents');
    await waitFor(() =>
      expect(screen.getAllByTestId('agent-plugins').map((element) => element.textContent)).toEqual([
        'Discord — Running: logged in as Auren#0420, on 1 server, in no voice channel.n8n — Running.',
        'Discord — Not running: discord-connector is not running, or no replica has started this bot yet.',
      ]),
    );
    go('#/system');
    expect(await screen.findByRole('button', { name: 'Restart n8n for Auren' })).toBeTruthy();
    expect(screen.queryByText(/not running yet/)).toBeNull();
    await waitFor(() => expect(screen.getAllByTestId('discord-status').map((element) => element.getAttribute('data-state'))).toEqual(['running', 'not_running']));
    expect(screen.getByRole('button', { name: 'Check again: Nova’s Discord bot' })).toBeTruthy();
  });

  it('does not claim a model for an automatic LLM: it says when the agent’s model applies', async () => {
    renderAt('#/agents');
    const card = (await screen.findAllByTestId('agent-card'))[0] as HTMLElement;
    expect(card.querySelector('.badge')?.textContent).toBe('LLM: automatic');
    expect(card.textContent).toContain("llama3.1:8b if llm-router uses OpenRouter; otherwise Ollama's OLLAMA_MODEL");
  });

  it('links to the API keys page from the navigation', async () => {
    renderAt('#/talk');
    fireEvent.click(await screen.findByRole('link', { name: 'API keys' }));
    await waitFor(() => expect(document.title).toBe('API keys · VoxBridge'));
    expect(screen.getByRole('link', { name: 'API keys' }).getAttribute('aria-current')).toBe('page');
  });
});
