import type { ServerResponse } from 'node:http';

/**
 * Paths under which a fake provider answers its test harness instead of the wire protocol, for
 * fakes running in another process (the launcher's `--fake-providers`): `GET` the record of what
 * the fake received and did, `POST` scripts for the next requests. No real provider has them.
 */
export const FAKE_CONTROL_PATHS = {
  record: '/_fake/record',
  scriptNext: '/_fake/script-next',
} as const;

export function isFakeControlPath(path: string): boolean {
  return path.startsWith('/_fake/');
}

/** Answers a control request: `record()` for `GET record`, `scriptNext(body)` for `POST script-next`. */
export function answerFakeControl(
  res: ServerResponse,
  request: { method: string; path: string; rawBody: string },
  handlers: { record: () => unknown; scriptNext: (scripts: object[]) => void },
): void {
  const send = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  if (request.method === 'GET' && request.path === FAKE_CONTROL_PATHS.record) return send(200, handlers.record());
  if (request.method === 'POST' && request.path === FAKE_CONTROL_PATHS.scriptNext) {
    const scripts = parseScripts(request.rawBody);
    if (!scripts) return send(400, { error: 'body must be {"scripts": [<script object>, ...]}' });
    handlers.scriptNext(scripts);
    return void res.writeHead(204).end();
  }
  send(404, { error: `no fake control ${request.method} ${request.path}` });
}

/** What a test reads and does through a fake's control paths (`origin` = `http://127.0.0.1:<port>`). */
export class FakeControlClient<R> {
  constructor(readonly origin: string) {}

  async record(): Promise<R> {
    const response = await fetch(`${this.origin}${FAKE_CONTROL_PATHS.record}`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`fake record at ${this.origin}: HTTP ${response.status}`);
    return (await response.json()) as R;
  }

  /** The next requests the fake receives get these scripts, in order. */
  async scriptNext(...scripts: object[]): Promise<void> {
    const response = await fetch(`${this.origin}${FAKE_CONTROL_PATHS.scriptNext}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scripts }),
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) throw new Error(`fake script at ${this.origin}: HTTP ${response.status}`);
  }
}

function parseScripts(raw: string): object[] | undefined {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  const scripts = (body as { scripts?: unknown } | null)?.scripts;
  if (!Array.isArray(scripts) || scripts.length === 0) return undefined;
  return scripts.every((s): s is object => typeof s === 'object' && s !== null && !Array.isArray(s)) ? scripts : undefined;
}
