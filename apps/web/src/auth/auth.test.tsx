import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { App } from '../app';
import { apiError, fakeFetch, json } from '../test-support';
import { API_KEY_STORAGE, AuthGate, UNAUTHORIZED_NOTICE } from './auth';

const GOOD_KEY = 'vbk_good';
const AGENTS = [
  {
    id: '6f1c1c9e-4a8e-4c59-9a53-2f1f4f0d9b11',
    name: 'Auren',
    is_default: true,
    llm_provider: 'openrouter',
    llm_model: 'anthropic/claude-3.5-sonnet',
    stt_provider: 'whisperx',
    tts_provider: 'chatterbox',
    tts_voice: null,
    description: null,
    plugins: {},
  },
];

/** agent-api as far as these tests need it: the good key reads agents; `revoked` turns it away. */
function fakeAgentApi() {
  const server = { revoked: false };
  const fake = fakeFetch((request) => {
    if (request.headers['Authorization'] !== `Bearer ${GOOD_KEY}` || server.revoked) return apiError(401, 'unauthorized', 'missing or invalid API key');
    if (request.path === '/api/agents') return json(200, AGENTS);
    if (request.path === '/api/fleet/health') return json(200, { status: 'healthy', namespace: 'vb', checked_at: '2026-11-25T10:00:00.000Z', services: [] });
    return undefined;
  });
  return { ...fake, server };
}

function renderApp(fetchFn: ReturnType<typeof fakeFetch>['fetchFn']) {
  return render(
    <AuthGate fetchFn={fetchFn}>
      <App />
    </AuthGate>,
  );
}

function signIn(key: string) {
  fireEvent.change(screen.getByLabelText('API key'), { target: { value: key } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe(AuthGate.name, () => {
  it('checks a pasted key, keeps it in sessionStorage only and opens the app', async () => {
    const { fetchFn, requests } = fakeAgentApi();
    renderApp(fetchFn);
    signIn(`  ${GOOD_KEY} `);

    await screen.findByRole('button', { name: 'Sign out' });
    expect(requests[0]).toMatchObject({ method: 'GET', path: '/api/agents', headers: { Authorization: `Bearer ${GOOD_KEY}` } });
    expect(sessionStorage.getItem(API_KEY_STORAGE)).toBe(GOOD_KEY);
    expect(localStorage.getItem(API_KEY_STORAGE)).toBeNull();
    expect(await screen.findByRole('option', { name: 'Auren (default)' })).toBeTruthy();
  });

  it('refuses a key the API answers 401 for, saying so, and keeps nothing', async () => {
    const { fetchFn } = fakeAgentApi();
    renderApp(fetchFn);
    signIn('vbk_wrong');

    const error = await screen.findByTestId('sign-in-error');
    expect(error.textContent).toContain('refused (401)');
    expect(sessionStorage.getItem(API_KEY_STORAGE)).toBeNull();
    expect(screen.queryByRole('button', { name: 'Sign out' })).toBeNull();
  });

  it('asks for a key before calling the API with an empty one', () => {
    const { fetchFn, requests } = fakeAgentApi();
    renderApp(fetchFn);
    signIn('   ');
    expect(screen.getByTestId('sign-in-error').textContent).toBe('Paste an API key first.');
    expect(requests).toHaveLength(0);
  });

  it('goes back to sign-in with a clear message when any later call gets a 401', async () => {
    const api = fakeAgentApi();
    sessionStorage.setItem(API_KEY_STORAGE, GOOD_KEY);
    window.location.hash = '#/agents';
    renderApp(api.fetchFn);
    await screen.findByRole('heading', { name: 'Default agent Auren' });

    api.server.revoked = true; // e.g. an admin revoked the key
    window.location.hash = '#/system';
    fireEvent(window, new HashChangeEvent('hashchange'));

    const notice = await screen.findByTestId('sign-in-error');
    expect(notice.textContent).toBe(UNAUTHORIZED_NOTICE);
    expect(sessionStorage.getItem(API_KEY_STORAGE)).toBeNull();
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Sign out' })).toBeNull());
  });

  it('signs out on request and forgets the key', async () => {
    const { fetchFn } = fakeAgentApi();
    sessionStorage.setItem(API_KEY_STORAGE, GOOD_KEY);
    renderApp(fetchFn);
    fireEvent.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(screen.getByLabelText('API key')).toBeTruthy();
    expect(screen.queryByTestId('sign-in-error')).toBeNull();
    expect(sessionStorage.getItem(API_KEY_STORAGE)).toBeNull();
  });
});
