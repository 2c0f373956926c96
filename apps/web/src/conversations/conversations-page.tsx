import './conversations.css';
import { useEffect, useRef, useState } from 'react';
import type { SessionDto } from '../api/api-types';
import { useApi } from '../auth/auth';
import { useLiveEvents } from '../events/use-live-events';
import { links } from '../router';
import { useResource } from '../ui/use-resource';
import { ErrorBanner, formatDate, Loading, PageHeader } from '../ui/widgets';

const PAGE_SIZE = 50;
/** How long typing must pause before the search goes to the server. */
export const SEARCH_DEBOUNCE_MS = 300;
/** The API refuses longer searches (400 `fields.q`). */
export const MAX_SEARCH_LENGTH = 200;
type ActiveFilter = 'all' | 'active' | 'ended';

/** `value`, once it has stopped changing for `delayMs`. */
export function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), delayMs);
    return () => window.clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

/**
 * Conversations, filtered and searched by the API (`GET /api/sessions?agent_id&active&q`, paged by
 * `next_cursor`). The API leaves out conversations with no message, so a Start / End call in silence
 * is not listed.
 */
export function ConversationsPage() {
  const api = useApi();
  const [agentId, setAgentId] = useState('');
  const [active, setActive] = useState<ActiveFilter>('all');
  const [search, setSearch] = useState('');
  const query = useDebounced(search.trim(), SEARCH_DEBOUNCE_MS);
  const [more, setMore] = useState<{ items: SessionDto[]; cursor: string | null } | null>(null);
  const [moreError, setMoreError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  const agents = useResource(() => api.listAgents(), 'agents');
  const filter = { agent_id: agentId || undefined, active: active === 'all' ? undefined : active === 'active', q: query || undefined, limit: PAGE_SIZE };
  const filterKey = `${agentId}|${active}|${query}`;
  const firstPage = useResource(() => api.listSessions(filter), filterKey);

  // A new filter or search starts again from its first page; a page of the previous one still loading is dropped.
  const currentKey = useRef(filterKey);
  currentKey.current = filterKey;
  useEffect(() => {
    setMore(null);
    setMoreError(null);
  }, [filterKey]);

  useLiveEvents((event) => {
    if (event.event === 'session_created' || event.event === 'session_ended' || (event.event === 'turn_committed' && query)) {
      setMore(null);
      firstPage.reload();
    }
  });

  const shown = [...(firstPage.data?.items ?? []), ...(more?.items ?? [])];
  const cursor = more ? more.cursor : (firstPage.data?.next_cursor ?? null);
  const agentName = (id: string) => agents.data?.find((a) => a.id === id)?.name ?? 'deleted agent';
  const searching = search.trim() !== query || (firstPage.loading && query !== '');

  async function loadMore() {
    if (!cursor) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const requestedFor = filterKey;
      const page = await api.listSessions({ ...filter, cursor });
      if (currentKey.current !== requestedFor) return;
      setMore({ items: [...(more?.items ?? []), ...page.items], cursor: page.next_cursor });
    } catch (error) {
      setMoreError(error);
    } finally {
      setLoadingMore(false);
    }
  }

  return (
    <>
      <PageHeader title="Conversations" />
      <form className="filters card" role="search" onSubmit={(event) => event.preventDefault()}>
        <div className="field">
          <label htmlFor="filter-agent">Agent</label>
          <select id="filter-agent" value={agentId} onChange={(event) => setAgentId(event.target.value)}>
            <option value="">All agents</option>
            {agents.data?.map((agent) => (
              <option key={agent.id} value={agent.id}>
                {agent.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-active">State</label>
          <select id="filter-active" value={active} onChange={(event) => setActive(event.target.value as ActiveFilter)}>
            <option value="all">All</option>
            <option value="active">Ongoing</option>
            <option value="ended">Ended</option>
          </select>
        </div>
        <div className="field grow">
          <label htmlFor="filter-search">Search titles and what was said</label>
          <input
            id="filter-search"
            type="search"
            data-testid="conversation-search"
            value={search}
            maxLength={MAX_SEARCH_LENGTH}
            onChange={(event) => setSearch(event.target.value)}
            placeholder="e.g. capital of France"
          />
        </div>
      </form>

      <ErrorBanner error={firstPage.error} title="Could not load the conversations" />
      {firstPage.loading && !firstPage.data && <Loading what="conversations" />}
      {searching && (
        <p className="muted small" role="status" data-testid="search-status">
          Searching…
        </p>
      )}
      {firstPage.data && !searching && shown.length === 0 && (
        <p className="muted" data-testid="no-conversations">
          {query ? `No conversation matches “${query}”.` : 'No conversations yet.'}
        </p>
      )}

      <ul className="session-list" aria-label="Conversations">
        {shown.map((session) => (
          <li key={session.id}>
            <a className="card session-row" href={links.conversation(session.id)} data-testid="session-row">
              <span className="session-title">{session.title}</span>
              <span className="muted small">
                {agentName(session.agent_id)} · {session.user_name ?? session.user_id} · {formatDate(session.started_at)} · {session.message_count}{' '}
                {session.message_count === 1 ? 'message' : 'messages'}
              </span>
              <span className={`badge ${session.active ? 'badge-ok' : ''}`}>{session.active ? 'ongoing' : 'ended'}</span>
            </a>
          </li>
        ))}
      </ul>
      <ErrorBanner error={moreError} title="Could not load more" />
      {cursor && (
        <button type="button" onClick={() => void loadMore()} disabled={loadingMore}>
          {loadingMore ? 'Loading…' : 'Load more'}
        </button>
      )}
    </>
  );
}
