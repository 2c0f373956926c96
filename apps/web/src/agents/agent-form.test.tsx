import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../api/api-client';
import type { Agent } from '../api/api-types';
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

function renderForm(reply: (body: unknown) => ReturnType<typeof json>, agent?: Agent) {
  const { fetchFn, requests } = fakeFetch((request) => (request.path.startsWith('/api/agents') ? reply(request.body) : undefined));
  const api = new ApiClient('vbk_test', () => undefined, fetchFn);
  const onSaved = vi.fn();
  render(
    <AgentForm
      agent={agent}
      save={(body) => (agent ? api.updateAgent(agent.id, body) : api.createAgent(body))}
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
    fireEvent.change(screen.getByLabelText('Provider'), { target: { value: 'openai_compatible' } });
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
    expect(describedBy.split(' ').map((id) => document.getElementById(id)?.textContent)).toContain('must not be greater than 2');
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('must be longer than or equal to 1 characters')).toBeTruthy();
    // A field the form has no input for is still shown, with its path.
    expect(screen.getByTestId('agent-form-other-errors').textContent).toContain('fallback.0.model: must be a string');
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
});
