/** Test helpers: a scripted `fetch` that records requests and answers from a route table. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  /** Sent with `keepalive` (outlives the page). */
  keepalive: boolean;
}

export type Reply = { status: number; body?: unknown; raw?: string; contentType?: string };
type Route = (request: RecordedRequest) => Reply | undefined;

export function json(status: number, body?: unknown): Reply {
  return { status, body };
}

export function apiError(status: number, code: string, message: string, fields?: Record<string, string[]>): Reply {
  return json(status, { error: { code, message, ...(fields ? { fields } : {}), request_id: 'req-1' } });
}

/** A `text/event-stream` answer made of these events. */
export function sse(events: Array<{ event: string; data: object }>): Reply {
  return { status: 200, contentType: 'text/event-stream', raw: events.map(({ event, data }) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join('') };
}

export function fakeFetch(route: Route) {
  const requests: RecordedRequest[] = [];
  const fetchFn = async (input: string, init: RequestInit): Promise<Response> => {
    const request: RecordedRequest = {
      method: init.method ?? 'GET',
      path: input,
      headers: (init.headers ?? {}) as Record<string, string>,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      keepalive: init.keepalive === true,
    };
    requests.push(request);
    const reply = route(request) ?? apiError(404, 'not_found', `no fake route for ${request.method} ${request.path}`);
    const body = reply.raw ?? (reply.body === undefined ? null : JSON.stringify(reply.body));
    return new Response(body, { status: reply.status, headers: { 'Content-Type': reply.contentType ?? 'application/json' } });
  };
  return { fetchFn, requests };
}
