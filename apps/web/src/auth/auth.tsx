import { createContext, useCallback, useContext, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { ApiClient, ApiError } from '../api/api-client';

/** The API key lives in sessionStorage only: gone when the tab closes, never in localStorage. */
export const API_KEY_STORAGE = 'voxbridge.apiKey';

export const UNAUTHORIZED_NOTICE = 'Your API key was refused (401): it may have been revoked. Sign in again with a valid key.';

type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

interface AuthValue {
  api: ApiClient;
  signOut(): void;
}

const AuthContext = createContext<AuthValue | null>(null);

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside <AuthGate>');
  return value;
}

export function useApi(): ApiClient {
  return useAuth().api;
}

function readStoredKey(): string | null {
  return sessionStorage.getItem(API_KEY_STORAGE);
}

/**
 * Shows the sign-in form until an API key is known, then the app with an ApiClient for it. Any
 * 401 signs out and says so on the sign-in form.
 */
export function AuthGate({ children, fetchFn }: { children: ReactNode; fetchFn?: FetchLike }) {
  const [apiKey, setApiKey] = useState<string | null>(readStoredKey);
  const [notice, setNotice] = useState<string | null>(null);

  const signOut = useCallback((message: string | null = null) => {
    sessionStorage.removeItem(API_KEY_STORAGE);
    setApiKey(null);
    setNotice(message);
  }, []);

  const value = useMemo<AuthValue | null>(
    () => (apiKey ? { api: new ApiClient(apiKey, () => signOut(UNAUTHORIZED_NOTICE), fetchFn), signOut: () => signOut() } : null),
    [apiKey, fetchFn, signOut],
  );

  const signIn = useCallback((key: string) => {
    sessionStorage.setItem(API_KEY_STORAGE, key);
    setNotice(null);
    setApiKey(key);
  }, []);

  if (!value) return <SignInPage notice={notice} onSignedIn={signIn} fetchFn={fetchFn} />;
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

function SignInPage({ notice, onSignedIn, fetchFn }: { notice: string | null; onSignedIn(key: string): void; fetchFn?: FetchLike }) {
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const candidate = key.trim();
    if (!candidate) {
      setProblem('Paste an API key first.');
      return;
    }
    setChecking(true);
    setProblem(null);
    try {
      // The key is checked with a cheap authenticated read before it is kept.
      await new ApiClient(candidate, () => undefined, fetchFn).listAgents();
      onSignedIn(candidate);
    } catch (error) {
      setChecking(false);
      if (error instanceof ApiError && error.status === 401) setProblem('That API key was refused (401). Check that you pasted the whole key.');
      else if (error instanceof ApiError && error.status === 403) setProblem('That API key may not read agents (403). Use a key with the client or admin role.');
      else setProblem(error instanceof Error ? error.message : 'Signing in failed.');
    }
  }

  const message = problem ?? notice;
  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={(event) => void submit(event)} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">VoxBridge</h1>
        <p className="muted">Sign in with an API key. It is kept in this tab only and forgotten when the tab closes.</p>
        {message && (
          <p className="banner banner-error" role="alert" data-testid="sign-in-error">
            {message}
          </p>
        )}
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder="vbk_…"
          value={key}
          onChange={(event) => setKey(event.target.value)}
        />
        <button type="submit" className="primary" disabled={checking}>
          {checking ? 'Checking…' : 'Sign in'}
        </button>
        <p className="muted small">
          The launcher prints the first admin key and keeps it in <code>.voxbridge/admin-key</code>; admins create more with <code>POST /api/keys</code>.
        </p>
      </form>
    </main>
  );
}
