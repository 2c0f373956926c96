import { render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { SessionDto } from '../api/api-types';
import { API_KEY_STORAGE, AuthGate } from '../auth/auth';
import { fakeFetch, json } from '../test-support';
import { ConversationsPage, isListed } from './conversations-page';

const AGENT = '6f1c1c9e-4a8e-4c59-9a53-2f1f4f0d9b11';

const session = (id: string, title: string, active: boolean, message_count: number): SessionDto => ({
  id,
  user_id: 'key:2b4f356b',
  user_name: null,
  title,
  agent_id: AGENT,
  active,
  started_at: '2026-12-04T10:00:00.000Z',
  ended_at: active ? null : '2026-12-04T10:05:00.000Z',
  session_type: 'webrtc',
  session_metadata: {},
  message_count,
});

describe('isListed', () => {
  it('leaves out only conversations that ended with no message', () => {
    expect([isListed(session('a', 't', false, 0)), isListed(session('b', 't', true, 0)), isListed(session('c', 't', false, 2))]).toEqual([false, true, true]);
  });
});

describe(ConversationsPage.name, () => {
  it('does not list ended conversations with no messages, and says how many it left out', async () => {
    sessionStorage.setItem(API_KEY_STORAGE, 'vbk_test');
    const items = [
      session('11111111-1111-4111-8111-111111111111', 'Capital of France', false, 4),
      session('22222222-2222-4222-8222-222222222222', 'New Conversation', false, 0),
      session('33333333-3333-4333-8333-333333333333', 'New Conversation', false, 0),
      session('44444444-4444-4444-8444-444444444444', 'New Conversation', true, 0),
    ];
    const { fetchFn } = fakeFetch((request) => {
      if (request.path === '/api/agents') return json(200, [{ id: AGENT, name: 'Auren', is_default: true, plugins: {} }]);
      if (request.path.startsWith('/api/sessions')) return json(200, { items, next_cursor: null });
      return undefined;
    });
    render(
      <AuthGate fetchFn={fetchFn}>
        <ConversationsPage />
      </AuthGate>,
    );

    await waitFor(() => expect(screen.getAllByTestId('session-row')).toHaveLength(2));
    expect(screen.getAllByTestId('session-row').map((row) => row.getAttribute('href'))).toEqual([
      '#/conversations/11111111-1111-4111-8111-111111111111',
      '#/conversations/44444444-4444-4444-8444-444444444444',
    ]);
    expect(screen.getByTestId('empty-conversations-hidden').textContent).toBe('2 ended conversations with no messages are not listed.');
  });
});
