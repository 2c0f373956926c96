import type {
  Agent,
  AgentBody,
  ApiKey,
  ApiKeyRole,
  CreatedApiKey,
  DiscordVoiceStatusReply,
  ErrorBody,
  FleetHealthReport,
  MessageDto,
  PluginAction,
  PluginListReply,
  PluginRuntimeDto,
  PluginStatsReply,
  SessionDto,
  SessionPage,
  VoiceTokenDto,
} from './api-types';

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
  /** Full-text search over titles and message text (server side; blank = no search, at most 200 characters). */
  q?: string;
  /** Also list sessions with no message (the API leaves them out by default). */
  include_empty?: boolean;
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
    if (filter.q?.trim()) query.set('q', filter.q.trim());
    if (filter.include_empty !== undefined) query.set('include_empty', String(filter.include_empty));
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

  /**
   * `GET /api/sessions/:id/export?format=json|text`: the transcript as a file, fetched with the
   * key in the Authorization header (a plain link cannot carry it). The name is the server's
   * `Content-Disposition` filename, else `conversation-<id>.json|txt`.
   */
  async exportSession(id: string, format: ExportFormat): Promise<{ blob: Blob; filename: string }> {
    const path = `/api/sessions/${encodeURIComponent(id)}/export?format=${format}`;
    let response: Response;
    try {
      response = await this.fetchFn(path, { method: 'GET', headers: { Authorization: `Bearer ${this.apiKey}`, Accept: format === 'json' ? 'application/json' : 'text/plain' } });
    } catch {
      throw new ApiError(0, 'network', 'Could not reach VoxBridge: check your connection and that agent-api is running.');
    }
    if (!response.ok) {
      const error = await errorOf(response);
      if (response.status === 401) this.onUnauthorized(error);
      throw error;
    }
    const filename = filenameOf(response.headers.get('Content-Disposition')) ?? `conversation-${id}.${format === 'json' ? 'json' : 'txt'}`;
    return { blob: await response.blob(), filename };
  }

  deleteSession(id: string): Promise<void> {
    return this.request('DELETE', `/api/sessions/${encodeURIComponent(id)}`);
  }

  /**
   * Ends the session while the page is being closed (`PATCH {active: false}` with `keepalive`, so
   * the browser sends it after the page is gone; `sendBeacon` cannot carry the API key). Nothing
   * waits for the answer.
   */
  endSessionOnUnload(sessionId: string): void {
    this.fetchFn(`/api/sessions/${encodeURIComponent(sessionId)}`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${this.apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ active: false }),
      keepalive: true,
    }).catch(() => undefined); // the page is going away: there is no one left to tell
  }

  /** The agent's Discord bot as discord-connector reports it (404: no enabled bot; 503: not running). */
  discordStatus(agentId: string): Promise<DiscordVoiceStatusReply> {
    return this.request('GET', `/api/plugins/discord/voice/status/${encodeURIComponent(agentId)}`);
  }

  /** Every agent's plugins with their runtime state (`GET /api/plugins`). */
  listPlugins(): Promise<PluginListReply> {
    return this.request('GET', '/api/plugins');
  }

  /** CPU, RSS, peaks, violations, restarts and uptime per running plugin (`GET /api/plugins/stats`). */
  pluginStats(): Promise<PluginStatsReply> {
    return this.request('GET', '/api/plugins/stats');
  }

  /** Start, stop or restart one agent's plugin: its state after the action (404 no such plugin, 409 discord, 503 no replica runs it). */
  controlPlugin(type: string, agentId: string, action: PluginAction): Promise<PluginRuntimeDto> {
    return this.request('POST', `/api/plugins/${encodeURIComponent(type)}/${action}`, { agent_id: agentId });
  }

  fleetHealth(): Promise<FleetHealthReport> {
    return this.request('GET', '/api/fleet/health');
  }

  /**
   * A text turn in the session (`POST /api/sessions/:id/chat`): its Server-Sent Events go to
   * `onEvent` as they arrive; resolves with the last one (`done` or `error`). Aborting `signal`
   * closes the stream, which cancels the turn.
   */
  async chat(sessionId: string, content: string, onEvent: (event: ChatEvent) => void = () => undefined, signal?: AbortSignal): Promise<ChatEvent> {
    let response: Response;
    try {
      response = await this.fetchFn(`/api/sessions/${encodeURIComponent(sessionId)}/chat`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${this.apiKey}`, Accept: 'text/event-stream', 'Content-Type': 'application/json' },
        body: JSON.stringify({ content }),
        signal,
      });
    } catch {
      throw new ApiError(0, 'network', 'Could not reach VoxBridge: check your connection and that agent-api is running.');
    }
    if (!response.ok) {
      const error = await errorOf(response);
      if (response.status === 401) this.onUnauthorized(error);
      throw error;
    }
    let last: ChatEvent | null = null;
    for await (const event of serverSentEvents(response)) {
      const parsed = chatEventOf(event.name, event.data);
      if (!parsed) continue;
      last = parsed;
      onEvent(parsed);
      if (parsed.kind !== 'delta') break;
    }
    return last ?? { kind: 'error', code: 'stream_ended', message: 'The answer stream ended before the answer was complete.' };
  }

  listKeys(): Promise<ApiKey[]> {
    return this.request('GET', '/api/keys');
  }

  createKey(body: { name: string; role: ApiKeyRole }): Promise<CreatedApiKey> {
    return this.request('POST', '/api/keys', body);
  }

  revokeKey(id: string): Promise<void> {
    return this.request('DELETE', `/api/keys/${encodeURIComponent(id)}`);
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

export type ExportFormat = 'json' | 'text';

/** The file name of a `Content-Disposition: attachment; filename="…"` header (`filename*=UTF-8''…` first). */
export function filenameOf(header: string | null): string | null {
  if (!header) return null;
  const extended = /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(header)?.[1];
  if (extended) {
    try {
      return decodeURIComponent(extended.trim().replace(/^"|"$/g, ''));
    } catch {
      // a malformed encoding: fall back to the plain name
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(header);
  const name = (plain?.[2] ?? plain?.[1])?.trim();
  return name ? name : null;
}

/** `ws(s)://<this host><path>`: where the page's own WebSocket endpoints are. */
export function sameOriginWsUrl(path: string, location: Pick<Location, 'protocol' | 'host'> = window.location): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;
}

/** One event of `POST /api/sessions/:id/chat`. */
export type ChatEvent =
  | { kind: 'delta'; text: string }
  | { kind: 'done'; text: string; turn_id: string; provider: string | null; model: string | null }
  | { kind: 'error'; code: string; message: string };

function chatEventOf(name: string, data: string): ChatEvent | null {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(data) as Record<string, unknown>;
  } catch {
    return null;
  }
  const text = typeof value['text'] === 'string' ? value['text'] : '';
  if (name === 'delta') return { kind: 'delta', text };
  if (name === 'done' && typeof value['turn_id'] === 'string') {
    const provider = typeof value['provider'] === 'string' ? value['provider'] : null;
    const model = typeof value['model'] === 'string' ? value['model'] : null;
    return { kind: 'done', text, turn_id: value['turn_id'], provider, model };
  }
  if (name === 'error') {
    return { kind: 'error', code: typeof value['code'] === 'string' ? value['code'] : 'error', message: typeof value['message'] === 'string' ? value['message'] : 'The answer failed.' };
  }
  return null;
}

/** `event:`/`data:` blocks of a `text/event-stream` body, as they arrive (comments skipped). */
async function* serverSentEvents(response: Response): AsyncGenerator<{ name: string; data: string }> {
  const reader = response.body?.getReader();
  if (!reader) return;
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffer += decoder.decode(value, { stream: !done });
      let end: number;
      while ((end = buffer.search(/\r?\n\r?\n/)) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        let name = 'message';
        const data: string[] = [];
        for (const line of block.split(/\r?\n/)) {
          if (line.startsWith('event:')) name = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length) yield { name, data: data.join('\n') };
      }
      if (done) return;
    }
  } finally {
    reader.releaseLock();
  }
}

/** A message fit to show for any failure. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}
