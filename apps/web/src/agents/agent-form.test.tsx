import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../api/api-client';
import type { Agent } from '../api/api-types';
import type { PluginsApi } from '../plugins/plugin-runtime';
import { apiError, fakeFetch, json } from '../test-support';
import { AgentForm } from './agent-form';

const AUREN: Agent = {
  id: '6f1c1c9e-4a8e-4c59-9a53-2f1f4f0d9b11',
  name: 'Auren',
  description: 'Friendly general-purpose assistant',
  system_prompt: 'You are Auren.',
  temperature: 0.7,
  llm_provider: 'openrouter',
  llm_model: 'anthropic/claude-3.5-sonnet',
  llm_base_url: null,
  n8n_webhook_url: null,
  fallback: [],
  is_default: true,
  stt_provider: 'whisperx',
  stt_language: 'en',
  silence_ms: 600,
  max_utterance_ms: 45000,
  tts_provider: 'chatterbox',
  tts_voice: null,
  tts_exaggeration: 1,
  tts_cfg_weight: 0.7,
  tts_temperature: 0.3,
  tts_language: 'en',
  tts_speed: 1,
  filter_actions_for_tts: false,
  timezone: 'UTC',
  plugins: { discord: { enabled: true, auto_join: false, bot_token: { set: true, last4: 'x9Zq' } } },
  created_at: '2026-11-25T10:00:00.000Z',
  updated_at: '2026-11-25T10:00:00.000Z',
};

/** Plugins as plugin-supervisor would report them: none running unless a test says otherwise. */
const NO_PLUGINS: PluginsApi = {
  list: () => Promise.resolve({ plugins: [], supervisors: 1 }),
  stats: () => Promise.resolve({ plugins: [], supervisors: 1 }),
  control: () => Promise.reject(new Error('no plugin')),
};

function renderForm(
  reply: (body: unknown) => ReturnType<typeof json>,
  agent?: Agent,
  discord: ReturnType<typeof json> = apiError(503, 'unavailable', 'discord-connector is not running'),
  plugins: PluginsApi = NO_PLUGINS,
) {
  const { fetchFn, requests } = fakeFetch((request) => (request.path.startsWith('/api/agents') ? reply(request.body) : undefined));
  const api = new ApiClient('vbk_test', () => undefined, fetchFn);
  // The bot's state through a client of its own: `requests` holds the agent requests only.
  const discordApi = new ApiClient('vbk_test', () => undefined, fakeFetch(() => discord).fetchFn);
  const onSaved = vi.fn();
  render(
    <AgentForm
      agent={agent}
      save={(body) => (agent ? api.updateAgent(agent.id, body) : api.createAgent(body))}
      loadDiscordStatus={(agentId) => discordApi.discordStatus(agentId)}
      plugins={plugins}
      onSaved={onSaved}
      onCancel={() => undefined}
    />,
  );
  return { requests, onSaved };
}

const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const submit = (name: string) => fireEvent.click(screen.getByRole('button', { name }));

describe(AgentForm.name, () => {
  it('creates an agent with the typed values, numbers as numbers and empty optional fields left to the server', async () => {
    const { requests, onSaved } = renderForm(() => json(201, { ...AUREN, id: 'new', name: 'Nova' }));
    type('Name', '  Nova ');
    type('System prompt', 'You are Nova.');
    fireEvent.change(screen.getByLabelText('LLM provider'), { target: { value: 'openai_compatible' } });
    type('Base URL', 'http://127.0.0.1:11434/v1');
    type('Model', 'llama3.1:8b');
    type('Temperature', '1.2');
    submit('Create agent');

    await waitFor(() => expect(onSaved).toHaveBeenCalledOnce());
    expect(requests).toHaveLength(1);
    expect(requests[0]?.method).toBe('POST');
    expect(requests[0]?.path).toBe('/api/agents');
    expect(requests[0]?.body).toEqual({
      name: 'Nova',
      system_prompt: 'You are Nova.',
      llm_provider: 'openai_compatible',
      llm_model: 'llama3.1:8b',
      llm_base_url: 'http://127.0.0.1:11434/v1',
      temperature: 1.2,
      stt_provider: 'auto',
      stt_language: 'en',
      silence_ms: 600,
      max_utterance_ms: 45000,
      tts_provider: 'auto',
      tts_language: 'en',
      tts_exaggeration: 1,
      tts_cfg_weight: 0.7,
      tts_temperature: 0.3,
      tts_speed: 1,
      filter_actions_for_tts: false,
      timezone: 'UTC',
    });
  });

  it('shows the API’s validation messages on the fields they name', async () => {
    const { onSaved } = renderForm(() =>
      apiError(400, 'validation_failed', 'invalid fields: name, temperature, fallback.0.model', {
        name: ['must be longer than or equal to 1 characters'],
        temperature: ['must not be greater than 2'],
        'fallback.0.model': ['must be a string'],
      }),
    );
    type('Temperature', '7');
    submit('Create agent');

    const temperature = screen.getByLabelText('Temperature');
    await waitFor(() => expect(temperature.getAttribute('aria-invalid')).toBe('true'));
    const describedBy = temperature.getAttribute('aria-describedby') ?? '';
    expect(describedBy.split(' ').map((id) => document.getElementById(id)?.textContent)).toContain('At most 2.');
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Required.')).toBeTruthy();
    // A field the form has no input for is still shown, with its path.
    expect(screen.getByTestId('agent-form-other-errors').textContent).toContain('fallback.0.model: Enter text.');
    // The banner says what to do: not the validator's summary, not the request id.
    const banner = screen.getByTestId('agent-form-error').textContent ?? '';
    expect(banner).toContain('Please fix the marked fields.');
    expect(banner).not.toContain('invalid fields');
    expect(banner).not.toContain('req-1');
    expect(screen.getByLabelText('Model').getAttribute('aria-invalid')).toBe('false');
    expect(document.activeElement).toBe(screen.getByLabelText('Name'));
    expect(onSaved).not.toHaveBeenCalled();
  });

  it('says why when the server refuses to store a secret', async () => {
    renderForm(() => apiError(422, 'encryption_key_missing', 'VOXBRIDGE_ENCRYPTION_KEY is not set: plugin secrets cannot be stored'));
    type('Name', 'Nova');
    submit('Create agent');
    const banner = await screen.findByTestId('agent-form-error');
    expect(banner.textContent).toContain('VOXBRIDGE_ENCRYPTION_KEY is not set');
    expect(banner.textContent).toContain('encryption_key_missing');
  });

  it('edits by sending only what changed', async () => {
    const { requests, onSaved } = renderForm(() => json(200, AUREN), AUREN);
    type('Temperature', '0.9');
    type('Description', '');
    submit('Save changes');

    await waitFor(() => expect(onSaved).toHaveBeenCalledOnce());
    expect(requests[0]?.method).toBe('PUT');
    expect(requests[0]?.path).toBe(`/api/agents/${AUREN.id}`);
    expect(requests[0]?.body).toEqual({ temperature: 0.9, description: null });
  });

  it('never shows the stored Discord token, only that it is set and its last four characters', () => {
    renderForm(() => json(200, AUREN), AUREN);
    expect(screen.getByTestId('discord-token-status').textContent).toBe('A token is set (ends in …x9Zq).');
    expect((screen.getByLabelText('Bot token') as HTMLInputElement).value).toBe('');
    expect((screen.getByLabelText('Bot token') as HTMLInputElement).type).toBe('password');
  });

  it('replaces the Discord token when a new one is typed, keeping the other plugin fields', async () => {
    const { requests, onSaved } = renderForm(() => json(200, AUREN), AUREN);
    type('Bot token', 'MTIz.new-token');
    submit('Save changes');
    await waitFor(() => expect(onSaved).toHaveBeenCalledOnce());
    expect(requests[0]?.body).toEqual({ plugins: { discord: { enabled: true, auto_join: false, bot_token: 'MTIz.new-token' } } });
  });

  it('clears the Discord token on request', async () => {
    const { requests, onSaved } = renderForm(() => json(200, AUREN), AUREN);
    fireEvent.click(screen.getByLabelText('Remove the stored token'));
    submit('Save changes');
    await waitFor(() => expect(onSaved).toHaveBeenCalledOnce());
    expect(requests[0]?.body).toEqual({ plugins: { discord: { enabled: true, auto_join: false, bot_token: null } } });
  });

  it('shows a provider’s own settings only for that provider, and does not send the hidden ones', async () => {
    const { requests, onSaved } = renderForm(() => json(201, { ...AUREN, id: 'new' }));
    const provider = screen.getByLabelText('LLM provider');
    fireEvent.change(provider, { target: { value: 'openrouter' } });
    expect(screen.queryByLabelText('Base URL')).toBeNull();
    expect(screen.queryByLabelText('n8n webhook URL')).toBeNull();

    fireEvent.change(provider, { target: { value: 'openai_compatible' } });
    type('Base URL', 'http://127.0.0.1:11434/v1');
    expect(screen.queryByLabelText('n8n webhook URL')).toBeNull();

    fireEvent.change(provider, { target: { value: 'n8n' } });
    expect(screen.queryByLabelText('Base URL')).toBeNull();
    type('n8n webhook URL', 'https://n8n.example.com/webhook/voice');

    fireEvent.change(screen.getByLabelText('Text-to-speech provider'), { target: { value: 'local' } });
    expect(screen.queryByLabelText('Expressiveness')).toBeNull();
    fireEvent.change(screen.getByLabelText('Text-to-speech provider'), { target: { value: 'chatterbox' } });
    expect(screen.getByLabelText('Expressiveness')).toBeTruthy();

    type('Name', 'Nova');
    type('System prompt', 'You are Nova.');
    submit('Create agent');
    await waitFor(() => expect(onSaved).toHaveBeenCalledOnce());
    expect(requests[0]?.body).toMatchObject({ llm_provider: 'n8n', n8n_webhook_url: 'https://n8n.example.com/webhook/voice', tts_provider: 'chatterbox' });
    expect(requests[0]?.body).not.toHaveProperty('llm_base_url');
  });

  it('offers the speech providers as choices and keeps an unknown stored one visible', () => {
    renderForm(() => json(200, AUREN), { ...AUREN, stt_provider: 'google' });
    const stt = screen.getByLabelText('Speech-to-text provider') as HTMLSelectElement;
    expect([...stt.options].map((o) => o.value)).toEqual(['google', 'auto', 'whisperx', 'openai_compatible', 'local']);
    expect(stt.value).toBe('google');
    expect(screen.getByText('Not a provider this version knows: pick one of the list.')).toBeTruthy();
  });

  it('says under each provider choice what configures it', () => {
    renderForm(() => json(200, AUREN), AUREN);
    const hintOf = (label: string) => document.getElementById(screen.getByLabelText(label).getAttribute('aria-describedby') ?? '')?.textContent;
    expect(hintOf('Speech-to-text provider')).toBe('Needs WHISPERX_URL (ws://host:port) on stt-gateway.');
    fireEvent.change(screen.getByLabelText('Speech-to-text provider'), { target: { value: 'openai_compatible' } });
    expect(hintOf('Speech-to-text provider')).toContain('STT_OPENAI_BASE_URL');
    fireEvent.change(screen.getByLabelText('Text-to-speech provider'), { target: { value: 'openai_compatible' } });
    expect(hintOf('Text-to-speech provider')).toContain('OPENAI_TTS_URL');
  });

  it('shows the API refusing an unknown provider as the choices, on the field', async () => {
    renderForm(
      () => apiError(400, 'validation_failed', 'invalid field: stt_provider', { stt_provider: ['must be one of: auto, whisperx, openai_compatible, local'] }),
      { ...AUREN, stt_provider: 'google' },
    );
    type('Name', 'Auren 2');
    submit('Save changes');
    const input = screen.getByLabelText('Speech-to-text provider');
    await waitFor(() => expect(input.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(`${input.id}-error`)?.textContent).toBe('Choose one of: auto, whisperx, openai_compatible, local.');
  });

  it('has one label per input, none repeated', () => {
    renderForm(() => json(200, AUREN), AUREN);
    const labels = [...document.querySelectorAll('label')].map((label) => label.textContent?.trim());
    expect(new Set(labels).size).toBe(labels.length);
  });

  it('edits the fallback chain: add, reorder, remove, base URL only for OpenAI-compatible steps', async () => {
    const { requests, onSaved } = renderForm(() => json(200, AUREN), AUREN);
    const add = () => fireEvent.click(screen.getByRole('button', { name: 'Add a fallback step' }));
    add();
    type('Step 1 model', 'llama3.1:8b');
    type('Step 1 base URL', 'http://127.0.0.1:11434/v1');
    add();
    fireEvent.change(screen.getByLabelText('Step 2 provider'), { target: { value: 'openrouter' } });
    expect(screen.queryByLabelText('Step 2 base URL')).toBeNull();
    type('Step 2 model', 'openai/gpt-4o-mini');
    add();
    type('Step 3 model', 'qwen2.5:3b');
    fireEvent.click(screen.getByRole('button', { name: 'Move step 2 up' }));
    fireEvent.click(screen.getByRole('button', { name: 'Remove step 3' }));
    expect(screen.getAllByTestId('fallback-step')).toHaveLength(2);
    submit('Save changes');

    await waitFor(() => expect(onSaved).toHaveBeenCalledOnce());
    expect(requests[0]?.body).toEqual({
      fallback: [
        { provider: 'openrouter', model: 'openai/gpt-4o-mini' },
        { provider: 'openai_compatible', model: 'llama3.1:8b', base_url: 'http://127.0.0.1:11434/v1' },
      ],
    });
  });

  it('shows errors of a fallback step on that step’s inputs', async () => {
    renderForm(() => apiError(400, 'validation_failed', 'invalid field: fallback.1.base_url', { 'fallback.1.base_url': ['must be a URL address'] }), {
      ...AUREN,
      fallback: [
        { provider: 'openrouter', model: 'openai/gpt-4o-mini' },
        { provider: 'openai_compatible', model: 'llama3.1:8b', base_url: 'http://ollama:11434/v1' },
      ],
    });
    type('Step 2 base URL', 'not a url');
    submit('Save changes');
    const input = screen.getByLabelText('Step 2 base URL');
    await waitFor(() => expect(input.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(input.getAttribute('aria-describedby') ?? '')?.textContent).toBe('Enter a full http(s) URL, e.g. http://127.0.0.1:11434/v1.');
    expect(screen.queryByTestId('agent-form-other-errors')).toBeNull();
  });

  it('says plainly that Discord is not running when discord-connector does not run the bot', async () => {
    renderForm(() => json(200, AUREN), AUREN);
    await waitFor(() => expect(screen.getByTestId('discord-status').getAttribute('data-state')).toBe('not_running'));
    expect(screen.getByTestId('discord-status').textContent).toContain('Not running: discord-connector is not running');
  });

  it('shows the bot’s state as discord-connector reports it', async () => {
    const status = {
      agent_id: AUREN.id,
      agent_name: 'Auren',
      instance_id: '0d3f1c9e-4a8e-4c59-9a53-2f1f4f0d9b11',
      bot: { state: 'logged_in', username: 'Auren#0420', reconnects: 0 },
      guilds: [{ guild_id: '123456789012345678', name: 'Home', allowed: true }],
      connections: [{ guild_id: '123456789012345678', channel_id: '223456789012345678', state: 'ready', speakers: [] }],
    };
    renderForm(() => json(200, AUREN), AUREN, json(200, status));
    await waitFor(() => expect(screen.getByTestId('discord-status').getAttribute('data-state')).toBe('running'));
    expect(screen.getByTestId('discord-status').textContent).toContain('Running: logged in as Auren#0420, on 1 server, in 1 voice channel.');
  });

  it('says a new agent’s bot does not run until Discord is enabled and saved', () => {
    renderForm(() => json(201, AUREN));
    expect(screen.getByTestId('discord-not-running').textContent).toContain('Not running');
    expect(screen.queryByTestId('discord-status')).toBeNull();
  });

  describe('n8n webhook plugin', () => {
    const WITH_N8N: Agent = {
      ...AUREN,
      plugins: {
        ...AUREN.plugins,
        n8n: { enabled: true, webhook_url: { set: true, last4: 'oice' }, secret: { set: true, last4: 'Ab12' }, limits: { cpu_percent: 25 } },
      },
    };

    it('creates an agent with the plugin enabled, its webhook URL and signing secret', async () => {
      const { requests, onSaved } = renderForm(() => json(201, { ...WITH_N8N, id: 'new' }));
      expect(screen.getByTestId('n8n-not-running').textContent).toContain('Not running');
      type('Name', 'Nova');
      type('System prompt', 'You are Nova.');
      fireEvent.click(screen.getByLabelText('Send each message to the n8n webhook'));
      type('Plugin webhook URL', ' https://n8n.example.com/webhook/voice ');
      type('Signing secret', 's3cret-s3cret');
      submit('Create agent');
      await waitFor(() => expect(onSaved).toHaveBeenCalledOnce());
      expect((requests[0]?.body as { plugins?: unknown }).plugins).toEqual({
        n8n: { enabled: true, webhook_url: 'https://n8n.example.com/webhook/voice', secret: 's3cret-s3cret' },
      });
    });

    it('shows the stored URL and secret only as set with their last four characters', () => {
      renderForm(() => json(200, WITH_N8N), WITH_N8N);
      expect(screen.getByTestId('n8n_plugin_webhook_url-status').textContent).toBe('A webhook URL is set (ends in …oice).');
      expect(screen.getByTestId('n8n_plugin_secret-status').textContent).toBe('A signing secret is set (ends in …Ab12).');
      expect((screen.getByLabelText('Plugin webhook URL') as HTMLInputElement).value).toBe('');
      expect((screen.getByLabelText('Signing secret') as HTMLInputElement).type).toBe('password');
      expect((screen.getByLabelText('Send each message to the n8n webhook') as HTMLInputElement).checked).toBe(true);
      expect(screen.queryByTestId('n8n-not-running')).toBeNull();
    });

    it('sends a secret only when changed, keeping the stored one and the other plugins as they are', async () => {
      const { requests, onSaved } = renderForm(() => json(200, WITH_N8N), WITH_N8N);
      type('Signing secret', 'new-secret-value');
      submit('Save changes');
      await waitFor(() => expect(onSaved).toHaveBeenCalledOnce());
      expect(requests[0]?.body).toEqual({
        plugins: {
          discord: { enabled: true, auto_join: false },
          n8n: { enabled: true, limits: { cpu_percent: 25 }, secret: 'new-secret-value' },
        },
      });
    });

    it('does not send the plugins when nothing of them changed', async () => {
      const { requests, onSaved } = renderForm(() => json(200, WITH_N8N), WITH_N8N);
      type('Temperature', '0.5');
      submit('Save changes');
      await waitFor(() => expect(onSaved).toHaveBeenCalledOnce());
      expect(requests[0]?.body).toEqual({ temperature: 0.5 });
    });

    it('disables the plugin and removes the signing secret on request', async () => {
      const { requests, onSaved } = renderForm(() => json(200, WITH_N8N), WITH_N8N);
      fireEvent.click(screen.getByLabelText('Send each message to the n8n webhook'));
      fireEvent.click(screen.getByLabelText('Remove the stored signing secret'));
      expect((screen.getByLabelText('Signing secret') as HTMLInputElement).disabled).toBe(true);
      submit('Save changes');
      await waitFor(() => expect(onSaved).toHaveBeenCalledOnce());
      expect((requests[0]?.body as { plugins: Record<string, unknown> }).plugins['n8n']).toEqual({ enabled: false, limits: { cpu_percent: 25 }, secret: null });
    });

    it('shows the API’s messages for the plugin’s fields on those fields, readably', async () => {
      renderForm(() =>
        apiError(400, 'validation_failed', 'Request has invalid fields', {
          'plugins.n8n.webhook_url': ['must be a string of 1-4096 characters, null (clear) or the masked value (keep)'],
        }),
      );
      type('Name', 'Nova');
      fireEvent.click(screen.getByLabelText('Send each message to the n8n webhook'));
      type('Plugin webhook URL', 'x');
      submit('Create agent');
      const url = screen.getByLabelText('Plugin webhook URL');
      await waitFor(() => expect(url.getAttribute('aria-invalid')).toBe('true'));
      const describedBy = (url.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? '');
      expect(describedBy.join(' ')).toMatch(/4096 characters/);
      expect(screen.queryByTestId('agent-form-other-errors')).toBeNull();
    });

    it('warns, before saving, of a URL the plugin could not start with', () => {
      renderForm(() => json(201, AUREN));
      expect(screen.queryByTestId('n8n-url-warning')).toBeNull();
      fireEvent.click(screen.getByLabelText('Send each message to the n8n webhook'));
      expect(screen.getByTestId('n8n-url-warning').textContent).toContain('Enabled without a webhook URL');
      type('Plugin webhook URL', 'n8n.example.com/webhook');
      expect(screen.getByTestId('n8n-url-warning').textContent).toContain('not an http(s) URL');
      type('Plugin webhook URL', 'https://n8n.example.com/webhook/voice');
      expect(screen.queryByTestId('n8n-url-warning')).toBeNull();
    });

    it('shows the live state of the agent’s plugins as plugin-supervisor reports them', async () => {
      const plugins: PluginsApi = {
        list: () =>
          Promise.resolve({
            supervisors: 1,
            plugins: [
              { agent_id: AUREN.id, agent_name: 'Auren', plugin_type: 'discord', enabled: true, hosted_by: 'discord-connector', state: 'external' },
              { agent_id: AUREN.id, agent_name: 'Auren', plugin_type: 'n8n', enabled: true, hosted_by: 'plugin-supervisor', state: 'failed', reason: 'crash loop: 5 crashes in 60 s' },
              { agent_id: 'someone-else', agent_name: 'Nova', plugin_type: 'n8n', enabled: true, hosted_by: 'plugin-supervisor', state: 'running' },
            ],
          }),
        stats: () => Promise.resolve({ plugins: [], supervisors: 1 }),
        control: () => Promise.reject(new Error('not in this test')),
      };
      renderForm(() => json(200, WITH_N8N), WITH_N8N, undefined, plugins);
      const live = screen.getByTestId('agent-plugins-live');
      await waitFor(() => expect(live.querySelectorAll('[data-testid="plugin-status"]')).toHaveLength(2));
      const n8n = live.querySelector('[data-plugin="n8n"]');
      expect(n8n?.getAttribute('data-state')).toBe('failed');
      expect(n8n?.textContent).toContain('Failed: crash loop: 5 crashes in 60 s');
      expect(screen.getByRole('button', { name: 'Start n8n for Auren' })).toBeTruthy();
      expect(live.textContent).not.toContain('Nova');
    });
  });
});
