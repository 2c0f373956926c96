import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { API_KEY_STORAGE, AuthGate } from '../auth/auth';
import { apiError, fakeFetch, json, type RecordedRequest, type Reply } from '../test-support';
import { ApiKeysPage } from './api-keys-page';

const KEYS = [
  {
    id: 'a1b2c3d4-0000-4000-8000-000000000001',
    name: 'launcher',
    role: 'admin',
    prefix: 'Q2x1ZGVf',
    rate_limit_per_second: null,
    rate_limit_burst: null,
    created_at: '2026-11-25T10:00:00.000Z',
    last_used_at: '2026-11-25T11:00:00.000Z',
    revoked_at: null,
  },
  {
    id: 'a1b2c3d4-0000-4000-8000-000000000002',
    name: 'old laptop',
    role: 'client',
    prefix: 'b2xkbGFw',
    rate_limit_per_second: null,
    rate_limit_burst: null,
    created_at: '2026-11-20T10:00:00.000Z',
    last_used_at: null,
    revoked_at: '2026-11-21T10:00:00.000Z',
  },
];

afterEach(() => vi.restoreAllMocks());

function renderPage(route: (request: RecordedRequest) => Reply | undefined) {
  sessionStorage.setItem(API_KEY_STORAGE, 'vbk_test');
  const api = fakeFetch(route);
  render(
    <AuthGate fetchFn={api.fetchFn}>
      <ApiKeysPage />
    </AuthGate>,
  );
  return api.requests;
}

describe(ApiKeysPage.name, () => {
  it('lists the keys with their role, prefix and state, never a key', async () => {
    renderPage((r) => (r.path === '/api/keys' ? json(200, KEYS) : undefined));
    const rows = await screen.findAllByTestId('api-key-row');
    expect(rows).toHaveLength(2);
    expect(rows[0]?.textContent).toContain('vbk_Q2x1ZGVf…');
    expect(rows[0]?.textContent).toContain('admin');
    expect(rows[0]?.textContent).toContain('active');
    expect(rows[1]?.getAttribute('data-revoked')).toBe('true');
    expect(within(rows[1] as HTMLElement).queryByRole('button', { name: /Revoke/ })).toBeNull();
    expect(document.title).toBe('API keys · VoxBridge');
  });

  it('creates a key with a role and shows it once, with a copy button', async () => {
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText } });
    const created = { ...KEYS[0], id: 'a1b2c3d4-0000-4000-8000-000000000003', name: 'n8n', role: 'client', key: 'vbk_bjhuAAAAsecret' };
    const requests = renderPage((r) => {
      if (r.path === '/api/keys' && r.method === 'POST') return json(201, created);
      if (r.path === '/api/keys') return json(200, KEYS);
      return undefined;
    });
    await screen.findAllByTestId('api-key-row');
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: ' n8n ' } });
    fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'client' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));

    const panel = await screen.findByTestId('created-key');
    expect((within(panel).getByLabelText('The new API key') as HTMLInputElement).value).toBe('vbk_bjhuAAAAsecret');
    expect(panel.textContent).toContain('shown only this once');
    expect(requests.find((r) => r.method === 'POST')?.body).toEqual({ name: 'n8n', role: 'client' });

    fireEvent.click(within(panel).getByRole('button', { name: 'Copy' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith('vbk_bjhuAAAAsecret'));
    expect(await within(panel).findByText('Copied to the clipboard.')).toBeTruthy();

    fireEvent.click(within(panel).getByRole('button', { name: 'I have stored it' }));
    expect(screen.queryByTestId('created-key')).toBeNull();
    expect(document.body.textContent).not.toContain('vbk_bjhuAAAAsecret');
  });

  it('shows a refused name on the field, readably', async () => {
    renderPage((r) => {
      if (r.path === '/api/keys' && r.method === 'POST') return apiError(400, 'validation_failed', 'invalid field: name', { name: ['must not be blank'] });
      if (r.path === '/api/keys') return json(200, KEYS);
      return undefined;
    });
    await screen.findAllByTestId('api-key-row');
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    const name = screen.getByLabelText('Name');
    await waitFor(() => expect(name.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(name.getAttribute('aria-describedby') ?? '')?.textContent).toBe('Must not be blank.');
    expect(screen.getByTestId('key-form-error').textContent).not.toContain('req-1');
  });

  it('revokes a key only after confirmation, and says why when the API refuses', async () => {
    const requests = renderPage((r) => {
      if (r.method === 'DELETE') return apiError(409, 'conflict', 'the last active admin key cannot be revoked');
      if (r.path === '/api/keys') return json(200, KEYS);
      return undefined;
    });
    await screen.findAllByTestId('api-key-row');
    fireEvent.click(screen.getByRole('button', { name: 'Revoke launcher' }));
    expect(requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
    fireEvent.click(screen.getByRole('button', { name: 'Confirm' }));
    await waitFor(() => expect(requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([`/api/keys/${KEYS[0]?.id}`]));
    const banner = await screen.findByText(/the last active admin key cannot be revoked/);
    expect(banner.textContent).toContain('conflict');
  });

  it('tells a client key that only admins manage keys', async () => {
    renderPage((r) => (r.path === '/api/keys' ? apiError(403, 'forbidden', 'admin role required') : undefined));
    expect((await screen.findByTestId('keys-forbidden')).textContent).toContain('Only admin keys');
    expect(screen.queryByRole('button', { name: 'Create key' })).toBeNull();
  });
});
