import './conversations.css';
import { useState } from 'react';
import type { SessionDto } from '../api/api-types';
import { useApi } from '../auth/auth';
import { useLiveEvents } from '../events/use-live-events';
import { links } from '../router';
import { useResource } from '../ui/use-resource';
import { ErrorBanner, formatDate, Loading, PageHeader } from '../ui/widgets';

const PAGE_SIZE = 50;
type ActiveFilter = 'all' | 'active' | 'ended';

/** Title or user matches every word of the search (the API filters by agent and state only). */
export function matchesSearch(session: SessionDto, search: string): boolean {
  const haystack = `${session.title} ${session.user_id} ${session.user_name ?? ''}`.toLowerCase();
  return search
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => haystack.includes(word));
}

/**
 * Whether the list shows a conversation: not one that ended with nothing said (a Start / End call
 * in silence). The API has no such filter yet, so the page leaves them out; an ongoing one stays
 * (a call in progress whose first turn is still to come).
 */
export function isListed(session: SessionDto): boolean {
  return session.active || session.message_count > 0;
}

export function ConversationsPage() {
  const api = useApi();
  const [agentId, setAgentId] = useState('');
  const [active, setActive] = useState<ActiveFilter>('all');
  const [search, setSearch] = useState('');
  const [more, setMore] = useState<{ items: SessionDto[]; cursor: string | null } | null>(null);
  const [moreError, setMoreError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  const agents = useResource(() => api.listAgents(), 'agents');
  const filter = { agent_id: agentId || undefined, active: active === 'all' ? undefined : active === 'active', limit: PAGE_SIZE };
  const firstPage = useResource(() => api.listSessions(filter), `${agentId}|${active}`);

  useLiveEvents((event) => {
    if (event.event === 'session_created' || event.event === 'session_ended') {
      setMore(null);
      firstPage.reload();
    }
  });

  const items = [...(firstPage.data?.items ?? []), ...(more?.items ?? [])];
  const cursor = more ? more.cursor : (firstPage.data?.next_cursor ?? null);
  const listed = items.filter(isListed);
  const empty = items.length - listed.length;
  const shown = listed.filter((session) => matchesSearch(session, search));
  const agentName = (id: string) => agents.data?.find((a) => a.id === id)?.name ?? 'deleted agent';

  const changeFilter = (apply: () => void) => {
    setMore(null);
    apply();
  };

  async function loadMore() {
    if (!cursor) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await api.listSessions({ ...filter, cursor });
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
          <select id="filter-agent" value={agentId} onChange={(event) => changeFilter(() => setAgentId(event.target.value))}>
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
          <select id="filter-active" value={active} onChange={(event) => changeFilter(() => setActive(event.target.value as ActiveFilter))}>
            <option value="all">All</option>
            <option value="active">Ongoing</option>
            <option value="ended">Ended</option>
          </select>
        </div>
        <div className="field grow">
          <label htmlFor="filter-search">Search title or user</label>
          <input id="filter-search" type="search" value={search} onChange={(event) => setSearch(event.target.value)} placeholder="e.g. trip planning" />
        </div>
      </form>

      <ErrorBanner error={firstPage.error} title="Could not load the conversations" />
      {firstPage.loading && !firstPage.data && <Loading what="conversations" />}
      {firstPage.data && shown.length === 0 && <p className="muted">{listed.length ? 'No loaded conversation matches the search.' : 'No conversations yet.'}</p>}
      {empty > 0 && (
        <p className="muted small" data-testid="empty-conversations-hidden">
          {empty === 1 ? '1 ended conversation with no messages is' : `${empty} ended conversations with no messages are`} not listed.
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
      {search && cursor && <p className="muted small">Search covers the conversations loaded so far; load more to search further back.</p>}
    </>
  );
}
