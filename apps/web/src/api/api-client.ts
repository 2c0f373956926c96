import type { Agent, AgentBody, ErrorBody, FleetHealthReport, MessageDto, SessionDto, SessionPage, VoiceTokenDto } from './api-types';

/** A failed API call: the fleet's `{error: {code, message, fields?}}`, or `network` when nothing answered. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** For `validation_failed`: field path (`temperature`, `fallback.0.model`) → what is wrong. */
    readonly fields: Record<string, string[]> = {},
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface SessionFilter {
  agent_id?: string;
  active?: boolean;
  limit?: number;
  cursor?: string;
}

type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

function isErrorBody(value: unknown): value is ErrorBody {
  const error = (value as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === 'string' && typeof error.message === 'string';
}

async function errorOf(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => null);
  if (isErrorBody(body)) {
    return new ApiError(response.status, body.error.code, body.error.message, body.error.fields ?? {}, body.error.request_id);
  }
  return new ApiError(response.status, `http_${response.status}`, `The server answered ${response.status} ${response.statusText}`.trim());
}

/**
 * agent-api over HTTP, same origin as the page, every call with the API key. A 401 anywhere calls
 * `onUnauthorized` (the app signs out and says why) before the error reaches the caller.
 */
export class ApiClient {
  constructor(
    private readonly apiKey: string,
    private readonly onUnauthorized: (error: ApiError) => void,
    private readonly fetchFn: FetchLike = (input, init) => fetch(input, init),
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.apiKey}`, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchFn(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, 'network', 'Could not reach VoxBridge: check your connection and that agent-api is running.');
    }
    if (!response.ok) {
      const error = await errorOf(response);
      if (response.status === 401) this.onUnauthorized(error);
      throw error;
    }
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  listAgents(): Promise<Agent[]> {
    return this.request('GET', '/api/agents');
  }

  createAgent(body: AgentBody): Promise<Agent> {
    return this.request('POST', '/api/agents', body);
  }

  updateAgent(id: string, body: AgentBody): Promise<Agent> {
    return this.request('PUT', `/api/agents/${encodeURIComponent(id)}`, body);
  }

  deleteAgent(id: string): Promise<void> {
    return this.request('DELETE', `/api/agents/${encodeURIComponent(id)}`);
  }

  setDefaultAgent(id: string): Promise<Agent> {
    return this.request('PUT', `/api/agents/${encodeURIComponent(id)}/set-default`);
  }

  listSessions(filter: SessionFilter = {}): Promise<SessionPage> {
    const query = new URLSearchParams();
    if (filter.agent_id) query.set('agent_id', filter.agent_id);
    if (filter.active !== undefined) query.set('active', String(filter.active));
    if (filter.limit !== undefined) query.set('limit', String(filter.limit));
    if (filter.cursor) query.set('cursor', filter.cursor);
    const search = query.toString();
    return this.request('GET', `/api/sessions${search ? `?${search}` : ''}`);
  }

  getSession(id: string): Promise<SessionDto> {
    return this.request('GET', `/api/sessions/${encodeURIComponent(id)}`);
  }

  listMessages(sessionId: string, limit = 1000): Promise<MessageDto[]> {
    return this.request('GET', `/api/sessions/${encodeURIComponent(sessionId)}/messages?limit=${limit}`);
  }

  deleteSession(id: string): Promise<void> {
    return this.request('DELETE', `/api/sessions/${encodeURIComponent(id)}`);
  }

  fleetHealth(): Promise<FleetHealthReport> {
    return this.request('GET', '/api/fleet/health');
  }

  /** `/ws/events` on this host, authenticated with the key (browsers cannot set headers on a WebSocket). */
  liveEventsUrl(): string {
    return `${sameOriginWsUrl('/ws/events')}?token=${encodeURIComponent(this.apiKey)}`;
  }

  /** A short-lived credential for webrtc-gateway's `/ws/voice`, and where that socket is. */
  mintVoiceToken(agentId: string): Promise<VoiceTokenDto> {
    return this.request('POST', '/api/voice/token', { agent_id: agentId });
  }
}

/** `ws(s)://<this host><path>`: where the page's own WebSocket endpoints are. */
export function sameOriginWsUrl(path: string, location: Pick<Location, 'protocol' | 'host'> = window.location): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;
}

/** A message fit to show for any failure. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}
