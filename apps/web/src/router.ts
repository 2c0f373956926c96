import { useEffect, useState } from 'react';

/**
 * Hash routing (`#/agents`), so agent-api serves one index.html at `/` and needs no fallback
 * for client-side paths.
 */
export type Route =
  | { page: 'talk'; agentId: string | null }
  | { page: 'agents' }
  | { page: 'conversations' }
  | { page: 'conversation'; id: string }
  | { page: 'system' }
  | { page: 'keys' };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case 'agents':
      return { page: 'agents' };
    case 'conversations':
      return parts[1] ? { page: 'conversation', id: parts[1] } : { page: 'conversations' };
    case 'system':
      return { page: 'system' };
    case 'keys':
      return { page: 'keys' };
    default:
      return { page: 'talk', agentId: new URLSearchParams(query).get('agent') };
  }
}

export const links = {
  talk: (agentId?: string) => (agentId ? `#/talk?agent=${encodeURIComponent(agentId)}` : '#/talk'),
  agents: () => '#/agents',
  conversations: () => '#/conversations',
  conversation: (id: string) => `#/conversations/${encodeURIComponent(id)}`,
  system: () => '#/system',
  keys: () => '#/keys',
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function navigate(hash: string): void {
  window.location.hash = hash;
}
