import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionDto } from '../api/api-types';
import { API_KEY_STORAGE, AuthGate } from '../auth/auth';
import { apiError, fakeFetch, json, type RecordedRequest, type Reply } from '../test-support';
import { ConversationsPage, SEARCH_DEBOUNCE_MS } from './conversations-page';

const AGENT = '6f1c1c9e-4a8e-4c59-9a53-2f1f4f0d9b11';
const FRANCE = '11111111-1111-4111-8111-111111111111';
const WEATHER = '22222222-2222-4222-8222-222222222222';
const OLDER = '33333333-3333-4333-8333-333333333333';

const session = (id: string, title: string, message_count = 2): SessionDto => ({
  id,
  user_id: 'key:2b4f356b',
  user_name: 'Ada',
  title,
  agent_id: AGENT,
  active: false,
  started_at: '2026-12-04T10:00:00.000Z',
  ended_at: '2026-12-04T10:05:00.000Z',
  session_type: 'webrtc',
  session_metadata: {},
  message_count,
});

afterEach(() => {
  vi.useRealTimers();
});

function renderPage(sessions: (request: RecordedRequest, query: URLSearchParams) => Reply) {
  sessionStorage.setItem(API_KEY_STORAGE, 'vbk_test');
  const { fetchFn, requests } = fakeFetch((request) => {
    if (request.path === '/api/agents') return json(200, [{ id: AGENT, name: 'Auren', is_default: true, plugins: {} }]);
    if (request.path.startsWith('/api/sessions')) return sessions(request, new URLSearchParams(request.path.split('?')[1] ?? ''));
    return undefined;
  });
  render(
    <AuthGate fetchFn={fetchFn}>
      <ConversationsPage />
    </AuthGate>,
  );
  const sessionQueries = () => requests.filter((request) => request.path.startsWith('/api/sessions')).map((request) => new URLSearchParams(request.path.split('?')[1] ?? ''));
  return { requests, sessionQueries };
}

const titles = () => screen.getAllByTestId('session-row').map((row) => row.querySelector('.session-title')?.textContent);

describe(ConversationsPage.name, () => {
  it('lists what the API lists: no client-side filter of empty conversations, no include_empty asked for', async () => {
    const env = renderPage(() => json(200, { items: [session(FRANCE, 'Capital of France'), session(WEATHER, 'New Conversation', 0)], next_cursor: null }));

    await waitFor(() => expect(titles()).toEqual(['Capital of France', 'New Conversation']));
    expect(env.sessionQueries()[0]?.has('include_empty')).toBe(false);
    expect(env.sessionQueries()[0]?.has('q')).toBe(false);
    expect(screen.queryByTestId('empty-conversations-hidden')).toBeNull();
  });

  it('searches on the server once typing pauses, and pages the results with next_cursor', async () => {
    const env = renderPage((_request, query) => {
      const q = query.get('q');
      if (!q) return json(200, { items: [session(FRANCE, 'Capital of France'), session(WEATHER, 'Weather')], next_cursor: null });
      if (q !== 'paris') return json(200, { items: [], next_cursor: null });
      return query.get('cursor') === 'page-2'
        ? json(200, { items: [session(OLDER, 'Old trip')], next_cursor: null })
        : json(200, { items: [session(FRANCE, 'Capital of France')], next_cursor: 'page-2' });
    });
    await waitFor(() => expect(titles()).toEqual(['Capital of France', 'Weather']));

    vi.useFakeTimers();
    const box = screen.getByLabelText('Search titles and what was said');
    fireEvent.change(box, { target: { value: 'p' } });
    fireEvent.change(box, { target: { value: 'par' } });
    fireEvent.change(box, { target: { value: ' paris ' } });
    expect(screen.getByTestId('search-status').textContent).toBe('Searching…');
    await act(async () => {
      await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS);
    });
    vi.useRealTimers();

    await waitFor(() => expect(titles()).toEqual(['Capital of France']));
    // One search for the settled words, not one per keystroke.
    expect(env.sessionQueries().filter((query) => query.has('q')).map((query) => query.get('q'))).toEqual(['paris']);

    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(titles()).toEqual(['Capital of France', 'Old trip']));
    const last = env.sessionQueries().at(-1);
    expect([last?.get('q'), last?.get('cursor')]).toEqual(['paris', 'page-2']);
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('says when nothing matches the search', async () => {
    renderPage((_request, query) => json(200, { items: query.get('q') ? [] : [session(FRANCE, 'Capital of France')], next_cursor: null }));
    await waitFor(() => expect(titles()).toEqual(['Capital of France']));

    fireEvent.change(screen.getByLabelText('Search titles and what was said'), { target: { value: 'zebra' } });

    await waitFor(() => expect(screen.getByTestId('no-conversations').textContent).toBe('No conversation matches “zebra”.'));
    expect(screen.queryAllByTestId('session-row')).toHaveLength(0);
  });

  it('shows the API refusing a search', async () => {
    renderPage((_request, query) =>
      query.get('q') ? apiError(400, 'validation_failed', 'q must be shorter', { q: ['q must be shorter than or equal to 200 characters'] }) : json(200, { items: [], next_cursor: null }),
    );
    await screen.findByText('No conversations yet.');

    fireEvent.change(screen.getByLabelText('Search titles and what was said'), { target: { value: 'trip' } });

    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('Could not load the conversations'));
  });
});
