import { useAuth } from './auth/auth';
import { AgentsPage } from './agents/agents-page';
import { ConversationsPage } from './conversations/conversations-page';
import { TranscriptPage } from './conversations/transcript-page';
import { ApiKeysPage } from './keys/api-keys-page';
import { links, useRoute, type Route } from './router';
import { SystemPage } from './system/system-page';
import { TalkPage } from './talk/talk-page';

const NAV: Array<{ label: string; href: string; pages: Array<Route['page']> }> = [
  { label: 'Talk', href: links.talk(), pages: ['talk'] },
  { label: 'Agents', href: links.agents(), pages: ['agents'] },
  { label: 'Conversations', href: links.conversations(), pages: ['conversations', 'conversation'] },
  { label: 'System', href: links.system(), pages: ['system'] },
  { label: 'API keys', href: links.keys(), pages: ['keys'] },
];

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'talk':
      return <TalkPage requestedAgentId={route.agentId} />;
    case 'agents':
      return <AgentsPage />;
    case 'conversations':
      return <ConversationsPage />;
    case 'conversation':
      return <TranscriptPage key={route.id} sessionId={route.id} />;
    case 'system':
      return <SystemPage />;
    case 'keys':
      return <ApiKeysPage />;
  }
}

/** The signed-in app: navigation and the current page. */
export function App() {
  const route = useRoute();
  const { signOut } = useAuth();
  return (
    <>
      {/* A button, not href="#main": the hash is the route. */}
      <button type="button" className="skip-link" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header className="top-bar">
        <span className="brand">VoxBridge</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.label}>
                <a href={item.href} aria-current={item.pages.includes(route.page) ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="ghost" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}
