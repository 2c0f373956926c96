import { runMigrations } from '@voxbridge/persistence';
import { bootService, type RunningService } from '@voxbridge/service-testing';
import { createTestDatabase, dropDatabase, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { createHash, randomBytes } from 'node:crypto';
import { serviceSchema } from '../src/persistence/schema';
import { agentApiDefinition, startAgentApi, type AgentApiHarness } from './support/agent-api-harness';

interface ErrorReply {
  error: { code: string; message: string; fields?: Record<string, string[]>; request_id: string };
}
interface KeyView {
  id: string;
  name: string;
  role: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  key?: string;
}

const newKey = () => `vbk_${randomBytes(32).toString('base64url')}`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function expectError(reply: { status: number; body: unknown }, status: number, code: string): ErrorReply['error'] {
  expect(reply.status).toBe(status);
  expect(reply.body).toMatchObject({ error: { code, message: expect.any(String), request_id: expect.any(String) } });
  return (reply.body as ErrorReply).error;
}

describe('agent-api authentication (real NATS + Postgres)', () => {
  let sut: AgentApiHarness;

  beforeAll(async () => {
    sut = await startAgentApi();
  });
  afterAll(async () => {
    await sut?.close();
  });

  async function createKey(role: string, name = `${role} key`): Promise<KeyView & { key: string }> {
    const reply = await sut.request('POST', '/api/keys', { name, role });
    expect(reply.status).toBe(201);
    return reply.body as KeyView & { key: string };
  }

  describe('without a valid key', () => {
    it.each([
      ['no key', null],
      ['an unknown key', newKey()],
      ['something that is not a key', 'hunter2'],
    ])('answers 401 unauthorized with WWW-Authenticate for %s', async (_what, key) => {
      const reply = await sut.request('GET', '/api/fleet/health', undefined, key);
      expectError(reply, 401, 'unauthorized');
      expect(reply.headers.get('www-authenticate')).toBe('Bearer');
    });

    it('answers 401 to an Authorization header that is not Bearer', async () => {
      for (const authorization of [`Basic ${Buffer.from('admin:admin').toString('base64')}`, 'Bearer', `${sut.adminKey}`, `Bearer ${sut.adminKey} extra`]) {
        const response = await fetch(`${sut.baseUrl}/api/fleet/health`, { headers: { authorization } });
        expect(response.status).toBe(401);
        expect(((await response.json()) as ErrorReply).error).toMatchObject({ code: 'unauthorized', request_id: expect.any(String) });
      }
    });

    it('still serves /health, /ready, /metrics and the OpenAPI document', async () => {
      for (const path of ['/health', '/ready', '/metrics', '/api/docs-json']) {
        const reply = await sut.request('GET', path, undefined, null);
        expect({ path, status: reply.status }).toEqual({ path, status: 200 });
      }
    });

    it('lets a valid admin key through', async () => {
      expect((await sut.request('GET', '/api/fleet/health')).status).toBe(200);
    });
  });

  describe('managing keys', () => {
    it('shows a new key once: in the 201 answer, never in the list', async () => {
      const created = await createKey('client', 'dashboard');
      expect(created).toMatchObject({ name: 'dashboard', role: 'client', prefix: created.key.slice(4, 12), last_used_at: null, revoked_at: null });
      expect(created.key).toMatch(/^vbk_[A-Za-z0-9_-]{43}$/);

      const list = await sut.request('GET', '/api/keys');
      expect(list.status).toBe(200);
      const listed = (list.body as KeyView[]).find((key) => key.id === created.id);
      expect(listed).toEqual({ id: created.id, name: 'dashboard', role: 'client', prefix: created.prefix, rate_limit_per_second: null, rate_limit_burst: null, created_at: created.created_at, last_used_at: null, revoked_at: null });
      const text = JSON.stringify(list.body);
      for (const secret of [created.key, sha256(created.key), sut.adminKey, sha256(sut.adminKey)]) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/hash|"key"/);
    });

    it('lists the bootstrap admin key', async () => {
      const list = (await sut.request('GET', '/api/keys')).body as KeyView[];
      expect(list.filter((key) => key.name === 'admin (bootstrap)')).toEqual([
        expect.objectContaining({ role: 'admin', prefix: sut.adminKey.slice(4, 12), revoked_at: null }),
      ]);
    });

    it('lets a client key use the API but not manage keys (403 forbidden)', async () => {
      const client = await createKey('client');
      expect((await sut.request('GET', '/api/fleet/health', undefined, client.key)).status).toBe(200);
      expectError(await sut.request('GET', '/api/keys', undefined, client.key), 403, 'forbidden');
      expectError(await sut.request('POST', '/api/keys', { name: 'mine', role: 'admin' }, client.key), 403, 'forbidden');
      expectError(await sut.request('DELETE', `/api/keys/${client.id}`, undefined, client.key), 403, 'forbidden');
    });

    it('lets a new admin key manage keys', async () => {
      const admin = await createKey('admin');
      expect((await sut.request('GET', '/api/keys', undefined, admin.key)).status).toBe(200);
    });

    it('records when a key was last used', async () => {
      const client = await createKey('client');
      await sut.request('GET', '/api/fleet/health', undefined, client.key);
      const listed = ((await sut.request('GET', '/api/keys')).body as KeyView[]).find((key) => key.id === client.id);
      expect(listed?.last_used_at).toEqual(expect.any(String));
    });

    it('refuses a revoked key at once (even one just cached), and keeps it listed as revoked', async () => {
      const client = await createKey('client');
      expect((await sut.request('GET', '/api/fleet/health', undefined, client.key)).status).toBe(200);

      const revoked = await sut.request('DELETE', `/api/keys/${client.id}`);
      expect(revoked.status).toBe(204);

      const reply = await sut.request('GET', '/api/fleet/health', undefined, client.key);
      expectError(reply, 401, 'unauthorized');
      expect(reply.headers.get('www-authenticate')).toBe('Bearer');
      const listed = ((await sut.request('GET', '/api/keys')).body as KeyView[]).find((key) => key.id === client.id);
      expect(listed?.revoked_at).toEqual(expect.any(String));
      expect((await sut.request('DELETE', `/api/keys/${client.id}`)).status).toBe(204);
    });

    it('answers 404 for an unknown id and 400 for an id that is not a UUID', async () => {
      expectError(await sut.request('DELETE', '/api/keys/6f1c1b9e-8d0e-4a4b-9a43-3f4f1c2f0a11'), 404, 'not_found');
      const bad = expectError(await sut.request('DELETE', '/api/keys/nope'), 400, 'validation_failed');
      expect(Object.keys(bad.fields ?? {})).toEqual(['id']);
    });

    it('refuses to revoke the last active admin key (409), which would lock everyone out', async () => {
      const db = await startAgentApi();
      try {
        const [bootstrap] = (await db.request('GET', '/api/keys')).body as KeyView[];
        expectError(await db.request('DELETE', `/api/keys/${bootstrap?.id}`), 409, 'conflict');
        expect((await db.request('GET', '/api/fleet/health')).status).toBe(200);
      } finally {
        await db.close();
      }
    });
  });

  it('documents the keys endpoints in OpenAPI, with their error answers', async () => {
    const doc = (await sut.request('GET', '/api/docs-json', undefined, null)).body as { paths: Record<string, Record<string, { tags: string[]; responses: Record<string, unknown> }>> };
    expect(doc.paths['/api/keys']?.['post']?.tags).toEqual(['keys']);
    expect(Object.keys(doc.paths['/api/keys']?.['post']?.responses ?? {}).sort()).toEqual(['201', '400', '401', '403', '429']);
    expect(Object.keys(doc.paths['/api/keys']?.['get']?.responses ?? {}).sort()).toEqual(['200', '401', '403', '429']);
    expect(Object.keys(doc.paths['/api/keys/{id}']?.['delete']?.responses ?? {}).sort()).toEqual(['204', '400', '401', '403', '404', '409', '429']);
  });

  describe('validating bodies', () => {
    it.each([
      [{ name: 'x', role: 'root' }, ['role']],
      [{ name: 'x', role: 'client', scope: 'all' }, ['scope']],
      [{ role: 'client' }, ['name']],
      [{ name: '', role: 'client' }, ['name']],
      [{ name: 'x'.repeat(101), role: 'client' }, ['name']],
      [{ name: 'x', role: 'client', key: newKey() }, ['key']],
    ])('answers 400 naming the field for %j', async (body, fields) => {
      const error = expectError(await sut.request('POST', '/api/keys', body), 400, 'validation_failed');
      expect(Object.keys(error.fields ?? {})).toEqual(fields);
    });

    it('answers 400 to malformed JSON', async () => {
      // Nest turns body-parser's SyntaxError into a BadRequestException before the platform filter sees it.
      expectError(await sut.request('POST', '/api/keys', '{"name": "x",'), 400, 'validation_failed');
    });

    it('answers 413 payload_too_large to a body over HTTP_BODY_LIMIT_KB', async () => {
      const name = 'x'.repeat(257 * 1024);
      expectError(await sut.request('POST', '/api/keys', { name, role: 'client' }), 413, 'payload_too_large');
    });

    it('sends no CORS headers when CORS_ORIGINS is not set', async () => {
      const response = await fetch(`${sut.baseUrl}/api/keys`, { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' } });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});

describe('agent-api limits and CORS (RATE_LIMIT_PER_SECOND=0.001, RATE_LIMIT_BURST=8, CORS_ORIGINS)', () => {
  let sut: AgentApiHarness;

  // A refill of one token per 1 000 s: within a test no token comes back, however slow the
  // machine, so every verdict below is a count, not a race with the clock.
  beforeAll(async () => {
    sut = await startAgentApi({ RATE_LIMIT_PER_SECOND: '0.001', RATE_LIMIT_BURST: '8', CORS_ORIGINS: 'https://app.example.com,https://ops.example.com', HTTP_BODY_LIMIT_KB: '1' });
  });
  afterAll(async () => {
    await sut?.close();
  });

  const statusesOf = async (key: string, count: number) => {
    const replies = [];
    for (let i = 0; i < count; i++) replies.push(await sut.request('GET', '/api/keys', undefined, key));
    return replies;
  };

  it('answers 429 rate_limited with Retry-After once a key used its own burst, without touching other keys', async () => {
    const created = await sut.request('POST', '/api/keys', { name: 'busy', role: 'admin', rate_limit_per_second: 0.001, rate_limit_burst: 2 });
    expect(created.body).toMatchObject({ rate_limit_per_second: 0.001, rate_limit_burst: 2 });
    const replies = await statusesOf((created.body as { key: string }).key, 3);
    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 429]);
    const limited = replies[2];
    if (!limited) throw new Error('no third reply');
    expectError(limited, 429, 'rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBe(1_000); // one token at 0.001/s

    const generous = await sut.request('POST', '/api/keys', { name: 'generous', role: 'admin', rate_limit_burst: 100 });
    const generousReplies = await statusesOf((generous.body as { key: string }).key, 10);
    expect(generousReplies.map((reply) => reply.status)).toEqual(Array(10).fill(200)); // above the fleet's burst of 8

    const plain = await sut.request('POST', '/api/keys', { name: 'plain', role: 'admin' });
    expect(plain.body).toMatchObject({ rate_limit_per_second: null, rate_limit_burst: null });
    const plainReplies = await statusesOf((plain.body as { key: string }).key, 9);
    expect(plainReplies.map((reply) => reply.status)).toEqual([...Array(8).fill(200), 429]); // the fleet's burst

    expect((await sut.request('GET', '/api/keys')).status).toBe(200); // the bootstrap key has its own bucket
    expect((await sut.request('GET', '/health', undefined, null)).status).toBe(200); // probes are not limited
  });

  it('refuses a rate limit out of range, naming the field', async () => {
    const bad = await sut.request('POST', '/api/keys', { name: 'bad', role: 'client', rate_limit_per_second: 0, rate_limit_burst: 1.5 });
    const error = expectError(bad, 400, 'validation_failed');
    expect(Object.keys(error.fields ?? {}).sort()).toEqual(['rate_limit_burst', 'rate_limit_per_second']);
  });

  it('answers a CORS preflight from a listed origin, and not from others', async () => {
    const preflight = (origin: string) =>
      fetch(`${sut.baseUrl}/api/keys`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
    const allowed = await preflight('https://ops.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://ops.example.com');
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');

    const other = await preflight('https://evil.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('honours HTTP_BODY_LIMIT_KB', async () => {
    expectError(await sut.request('POST', '/api/keys', { name: 'x'.repeat(2_000), role: 'client' }), 413, 'payload_too_large');
  });
});

describe('agent-api bootstrap admin key', () => {
  const infra = testInfra();
  const running: RunningService[] = [];
  let databaseUrl: string;

  const boot = async (bootstrapKey: string) => {
    const service = await bootService(agentApiDefinition, {
      NATS_URL: infra.natsUrl,
      DATABASE_URL: databaseUrl,
      VOXBRIDGE_NAMESPACE: uniqueNamespace(),
      VOXBRIDGE_BOOTSTRAP_ADMIN_KEY: bootstrapKey,
    });
    running.push(service);
    return service;
  };
  const status = async (service: RunningService, key: string) =>
    (await fetch(`${service.baseUrl}/api/keys`, { headers: { authorization: `Bearer ${key}` } })).status;

  beforeEach(async () => {
    databaseUrl = await createTestDatabase(infra.serverUrl, 'vb_agent_api_auth');
    await runMigrations(databaseUrl, [serviceSchema]);
  });
  afterEach(async () => {
    for (const service of running.splice(0)) await service.close();
    await dropDatabase(infra.serverUrl, databaseUrl);
  });

  it('registers the key on first boot only; a later boot with another key changes nothing', async () => {
    const first = newKey();
    const a = await boot(first);
    expect(await status(a, first)).toBe(200);
    await a.close();
    running.splice(0);

    const second = newKey();
    const b = await boot(second);
    expect(await status(b, second)).toBe(401);
    expect(await status(b, first)).toBe(200);
    const list = (await (await fetch(`${b.baseUrl}/api/keys`, { headers: { authorization: `Bearer ${first}` } })).json()) as KeyView[];
    expect(list.map((key) => key.name)).toEqual(['admin (bootstrap)']);
  });

  it('registers exactly one key when two replicas boot at once with different keys', async () => {
    const keys = [newKey(), newKey()];
    const [a, b] = await Promise.all(keys.map((key) => boot(key)));
    if (!a || !b) throw new Error('a replica did not boot');
    const accepted = await Promise.all(keys.map((key) => status(a, key)));
    expect([...accepted].sort()).toEqual([200, 401]);
    const winner = keys[accepted.indexOf(200)] ?? '';
    expect(await status(b, winner)).toBe(200);
  });
});
