import type { INestApplication } from '@nestjs/common';
import { Bus } from '@voxbridge/bus';
import { AgentEvent, AgentSubjects } from '@voxbridge/contracts';
import { AppLogger, listeningPort, loadConfig, startServiceApp } from '@voxbridge/platform';
import { testLogger } from '@voxbridge/service-testing';
import { testInfra, uniqueNamespace } from '@voxbridge/testing';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import { AgentApiEnv } from '../src/config/agent-api.env';
import { agentApiDefinition } from './support/agent-api-harness';
import { runMigrations } from '@voxbridge/persistence';
import { createTestDatabase, dropDatabase, expectEventually } from '@voxbridge/testing';
import { AgentsService } from '../src/agents/agents.service';
import { serviceSchema } from '../src/persistence/schema';
import { newEncryptionKey, startAgentApi, type AgentApiHarness } from './support/agent-api-harness';

type Json = Record<string, unknown>;
interface Reply {
  status: number;
  body: Json & { error?: { code: string; message: string; fields?: Record<string, string[]> } };
}

/** agent-api on a database the test owns (for reboots on the same database) and, optionally, a log sink. */
interface BootedApi {
  app: INestApplication;
  request(method: string, path: string, body?: unknown): Promise<Reply>;
  close(): Promise<void>;
}

/** One admin key per database: it is registered by the first boot only. */
const adminKeys = new Map<string, string>();

async function bootOn(databaseUrl: string, env: Record<string, string> = {}, logLines?: string[]): Promise<BootedApi> {
  const adminKey = adminKeys.get(databaseUrl) ?? `vbk_${randomBytes(24).toString('base64url')}`;
  adminKeys.set(databaseUrl, adminKey);
  const config = loadConfig('agent-api', AgentApiEnv, {
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    NATS_URL: testInfra().natsUrl,
    DATABASE_URL: databaseUrl,
    VOXBRIDGE_NAMESPACE: uniqueNamespace(),
    VOXBRIDGE_BOOTSTRAP_ADMIN_KEY: adminKey,
    ...env,
  });
  const logger = logLines
    ? AppLogger.create({
        service: 'agent-api',
        level: 'trace',
        format: 'json',
        destination: new Writable({ write: (chunk, _encoding, done) => (logLines.push(String(chunk)), done()) }),
      })
    : testLogger('agent-api');
  const app = await startServiceApp(agentApiDefinition, config, logger);
  const baseUrl = `http://127.0.0.1:${listeningPort(app)}`;
  return {
    app,
    request: (method, path, body) => send(baseUrl, adminKey, method, path, body),
    close: () => app.close(),
  };
}

async function send(baseUrl: string, key: string, method: string, path: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Reply['body']) : {} };
}

/** The agents row as Postgres holds it, plugins as raw JSON text. */
async function storedPlugins(databaseUrl: string, agentId: string): Promise<string | undefined> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ plugins: string }>('select "plugins"::text as plugins from "agent_api"."agents" where "id" = $1', [agentId]);
    return rows[0]?.plugins;
  } finally {
    await client.end();
  }
}

async function sql<T extends object>(databaseUrl: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** Every agent event of a namespace, read back from JetStream by a durable consumer. */
async function recordAgentEvents(namespace: string): Promise<{ events: Array<{ subject: string; event: AgentEvent }>; stop(): Promise<void> }> {
  const bus = await Bus.connect({ servers: testInfra().natsUrl, namespace, name: 'agents-int-spec' });
  const events: Array<{ subject: string; event: AgentEvent }> = [];
  const consumers = await Promise.all(
    (['created', 'updated', 'deleted'] as const).map((kind) =>
      bus.consumeDurable('agents', `test-${kind}`, AgentSubjects[kind], AgentEvent, async (event) => {
        events.push({ subject: AgentSubjects[kind], event });
      }),
    ),
  );
  return {
    events,
    stop: async () => {
      await Promise.all(consumers.map((consumer) => consumer.stop()));
      await bus.drain();
    },
  };
}

const SEED_IDS = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003'];
const TOKEN = 'MTIzNDU2Nzg5MDEy.discord-bot-token-plaintext-XyZ9';

/** The real `secrets` command (tools/secrets/main.ts), run from source. */
async function secretsTool(args: string[], env: Record<string, string>): Promise<string> {
  const root = join(__dirname, '..', '..', '..');
  const { stdout } = await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', join(root, 'tools/secrets/main.ts'), ...args], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', ...env },
  });
  return stdout;
}

function fieldsOf(reply: Reply): string[] {
  return Object.keys(reply.body.error?.fields ?? {});
}

/** The harness with replies typed like this file's. */
type Api = Omit<AgentApiHarness, 'request'> & { request: BootedApi['request'] };
async function startApi(env: Record<string, string> = {}): Promise<Api> {
  const harness = await startAgentApi(env);
  return { ...harness, request: async (method, path, body) => (await harness.request(method, path, body)) as Reply };
}

async function newAgent(api: { request: BootedApi['request'] }, extra: Json = {}): Promise<Json> {
  const reply = await api.request('POST', '/api/agents', { name: `agent-${randomBytes(4).toString('hex')}`, system_prompt: 'Be brief.', ...extra });
  expect(reply.status).toBe(201);
  return reply.body as Json;
}

describe('agents REST API', () => {
  const keyA = newEncryptionKey('ka');
  let api: Api;
  let recorder: Awaited<ReturnType<typeof recordAgentEvents>>;

  beforeAll(async () => {
    api = await startApi({ VOXBRIDGE_ENCRYPTION_KEY: keyA });
    recorder = await recordAgentEvents(api.namespace);
  });

  afterAll(async () => {
    await recorder?.stop();
    await api?.close();
  });

  it('seeds Auren (default), TechSupport and Creative Writer on first boot', async () => {
    const list = await api.request('GET', '/api/agents');
    const agents = list.body as unknown as Json[];
    const seeded = agents.filter((agent) => SEED_IDS.includes(String(agent['id'])));
    expect(seeded.map((agent) => [agent['name'], agent['is_default'], agent['temperature'], agent['tts_exaggeration']])).toEqual([
      ['Auren', true, 0.7, 1.0],
      ['TechSupport', false, 0.5, 0.8],
      ['Creative Writer', false, 0.9, 1.3],
    ]);
    expect(agents.filter((agent) => agent['is_default'] === true)).toHaveLength(1);
    // Each service resolves `auto` from its own configuration: the examples work with whatever is set up.
    expect(seeded.map((agent) => [agent['llm_provider'], agent['stt_provider'], agent['tts_provider'], agent['fallback']])).toEqual(
      seeded.map(() => ['auto', 'auto', 'auto', []]),
    );
  });

  it('gives a new agent auto providers (no base URL needed) and the OpenRouter model auto uses with a key', async () => {
    const created = await newAgent(api);
    expect(created).toMatchObject({ llm_provider: 'auto', llm_model: 'anthropic/claude-3.5-sonnet', llm_base_url: null, stt_provider: 'auto', tts_provider: 'auto' });
  });

  it('creates, reads, updates partially and deletes an agent, with defaults filled in', async () => {
    const created = await newAgent(api, { description: 'test', llm_provider: 'openai_compatible', llm_base_url: 'http://127.0.0.1:11434/v1' });
    expect(created).toMatchObject({
      temperature: 0.7,
      llm_provider: 'openai_compatible',
      silence_ms: 600,
      max_utterance_ms: 45000,
      stt_provider: 'auto',
      tts_provider: 'auto',
      timezone: 'UTC',
      fallback: [],
      plugins: {},
      is_default: false,
    });
    const id = String(created['id']);
    expect((await api.request('GET', `/api/agents/${id}`)).body).toEqual(created);

    const updated = await api.request('PUT', `/api/agents/${id}`, { temperature: 1.2, description: null, fallback: [{ provider: 'openrouter', model: 'openai/gpt-4o-mini' }] });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ temperature: 1.2, description: null, name: created['name'], system_prompt: 'Be brief.', llm_base_url: 'http://127.0.0.1:11434/v1' });
    expect(updated.body['fallback']).toEqual([{ provider: 'openrouter', model: 'openai/gpt-4o-mini' }]);

    expect((await api.request('DELETE', `/api/agents/${id}`)).status).toBe(204);
    expect((await api.request('GET', `/api/agents/${id}`)).status).toBe(404);
    expect((await api.request('DELETE', `/api/agents/${id}`)).status).toBe(404);
  });

  const long = (n: number) => 'x'.repeat(n);
  const boundaries: Array<[string, unknown[], unknown[]]> = [
    ['temperature', [0, 2], [-0.01, 2.01, '0.5', null]],
    ['silence_ms', [100, 5000], [99, 5001, 100.5]],
    ['max_utterance_ms', [5000, 300000], [4999, 300001]],
    ['tts_exaggeration', [0.25, 2], [0.24, 2.01]],
    ['tts_cfg_weight', [0, 1], [-0.01, 1.01]],
    ['tts_temperature', [0.05, 5], [0.04, 5.01]],
    ['tts_speed', [0.5, 2], [0.49, 2.01]],
    ['system_prompt', ['x', long(10000)], ['', long(10001), null]],
    ['description', [null, long(1000)], [long(1001), 5]],
    ['llm_model', ['m', long(200)], ['', long(201)]],
    ['llm_provider', ['openrouter', 'auto'], ['local', 'OPENROUTER', 'AUTO']],
    ['llm_base_url', ['http://localhost:11434/v1', 'https://vllm.example.com', null], ['ftp://example.com', 'not a url', `https://e.com/${long(490)}`]],
    ['n8n_webhook_url', ['https://n8n.example.com/webhook/x', null], ['javascript:alert(1)', 'n8n']],
    ['fallback', [[], Array.from({ length: 5 }, () => ({ provider: 'openrouter', model: 'm' }))], [Array.from({ length: 6 }, () => ({ provider: 'openrouter', model: 'm' })), 'openrouter', null]],
    ['is_default', [false], ['yes', null]],
    ['stt_provider', ['whisperx', 'auto'], ['Whisper X', '']],
    ['stt_language', ['en', 'pt-BR', null], ['English', '']],
    ['tts_voice', ['v', long(100), null], ['', long(101)]],
    ['tts_language', ['de'], ['deutsch', null]],
    ['filter_actions_for_tts', [true, false], [1, 'true']],
    ['timezone', ['Europe/Berlin', 'UTC'], ['Mars/Olympus', '', null]],
    ['plugins', [{}, { discord: { enabled: false, auto_join: true } }], [[], 'x', null]],
  ];

  it.each(boundaries)('accepts %s at its limits and refuses just outside, changing nothing', async (field, good, bad) => {
    const agent = await newAgent(api);
    const path = `/api/agents/${String(agent['id'])}`;
    for (const value of bad) {
      const reply = await api.request('PUT', path, { [field]: value });
      expect({ value, status: reply.status, code: reply.body.error?.code }).toEqual({ value, status: 400, code: 'validation_failed' });
      expect(fieldsOf(reply)).toContain(field);
    }
    expect((await api.request('GET', path)).body).toEqual(agent);
    for (const value of good) {
      const reply = await api.request('PUT', path, { [field]: value });
      expect({ value, status: reply.status }).toEqual({ value, status: 200 });
      expect(reply.body[field]).toEqual(value);
    }
  });

  it('refuses names of 0 or 101 characters and accepts 1 and 100 on create', async () => {
    for (const name of ['', long(101)]) {
      const reply = await api.request('POST', '/api/agents', { name, system_prompt: 'p' });
      expect(reply.status).toBe(400);
      expect(fieldsOf(reply)).toEqual(['name']);
    }
    for (const name of [`n${randomBytes(2).toString('hex')}`, `${long(96)}${randomBytes(2).toString('hex')}`]) {
      expect((await api.request('POST', '/api/agents', { name, system_prompt: 'p' })).status).toBe(201);
    }
  });

  it('names missing required fields, unknown fields, wrong types, bad nested items and non-UUID ids', async () => {
    const missing = await api.request('POST', '/api/agents', {});
    expect(missing.status).toBe(400);
    expect(fieldsOf(missing).sort()).toEqual(['name', 'system_prompt']);

    const agent = await newAgent(api);
    const path = `/api/agents/${String(agent['id'])}`;
    const unknown = await api.request('PUT', path, { colour: 'blue' });
    expect(fieldsOf(unknown)).toEqual(['colour']);
    const nested = await api.request('PUT', path, { fallback: [{ provider: 'local', model: 'm' }, { provider: 'openrouter', model: '' }] });
    expect(fieldsOf(nested).sort()).toEqual(['fallback.0.provider', 'fallback.1.model']);
    const malformed = await api.request('PUT', path, '{"name": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error?.code).toBe('validation_failed');
    const rename = await api.request('PUT', path, { name: null });
    expect(fieldsOf(rename)).toEqual(['name']);
    expect((await api.request('GET', path)).body).toEqual(agent);

    for (const [method, suffix] of [['GET', ''], ['PUT', ''], ['DELETE', ''], ['PUT', '/set-default']] as const) {
      const reply = await api.request(method, `/api/agents/not-a-uuid${suffix}`, method === 'PUT' && !suffix ? {} : undefined);
      expect({ method, suffix, status: reply.status, fields: fieldsOf(reply) }).toEqual({ method, suffix, status: 400, fields: ['id'] });
    }
    expect((await api.request('GET', '/api/agents/7d0c5c56-1d7b-4c5e-9b9e-3f1f7b0e2a10')).status).toBe(404);
    expect((await api.request('PUT', '/api/agents/7d0c5c56-1d7b-4c5e-9b9e-3f1f7b0e2a10/set-default')).status).toBe(404);
  });

  it('enforces provider rules across fields, also against what is stored', async () => {
    const n8n = await api.request('POST', '/api/agents', { name: 'n8n-agent', system_prompt: 'p', llm_provider: 'n8n' });
    expect(n8n.status).toBe(400);
    expect(fieldsOf(n8n)).toEqual(['n8n_webhook_url']);
    const local = await api.request('POST', '/api/agents', { name: 'local-agent', system_prompt: 'p', llm_provider: 'openai_compatible' });
    expect(fieldsOf(local)).toEqual(['llm_base_url']);
    const fallback = await api.request('POST', '/api/agents', { name: 'fb-agent', system_prompt: 'p', fallback: [{ provider: 'openai_compatible', model: 'm' }] });
    expect(fieldsOf(fallback)).toEqual(['fallback.0.base_url']);
    const autoStep = await api.request('POST', '/api/agents', { name: 'auto-fb-agent', system_prompt: 'p', fallback: [{ provider: 'auto', model: 'm' }] });
    expect(fieldsOf(autoStep)).toEqual(['fallback.0.provider']);

    const agent = await newAgent(api, { llm_provider: 'n8n', n8n_webhook_url: 'https://n8n.example.com/webhook/a' });
    const path = `/api/agents/${String(agent['id'])}`;
    const cleared = await api.request('PUT', path, { n8n_webhook_url: null });
    expect(fieldsOf(cleared)).toEqual(['n8n_webhook_url']);
    expect((await api.request('GET', path)).body).toEqual(agent);
    expect((await api.request('PUT', path, { llm_provider: 'openrouter', n8n_webhook_url: null })).status).toBe(200);
  });

  it('answers 409 for a duplicate name on create and on rename, ignoring case', async () => {
    const first = await newAgent(api, { name: 'Duplicate Me' });
    expect((await api.request('POST', '/api/agents', { name: 'duplicate me', system_prompt: 'p' })).status).toBe(409);
    const second = await newAgent(api);
    const rename = await api.request('PUT', `/api/agents/${String(second['id'])}`, { name: 'DUPLICATE ME' });
    expect(rename.status).toBe(409);
    expect(rename.body.error?.code).toBe('conflict');
    expect((await api.request('GET', `/api/agents/${String(second['id'])}`)).body).toEqual(second);
    expect(first['name']).toBe('Duplicate Me');
  });

  it('leaves exactly one default after 20 concurrent set-default calls', async () => {
    const agents = await Promise.all(Array.from({ length: 20 }, () => newAgent(api)));
    const replies = await Promise.all(agents.map((agent) => api.request('PUT', `/api/agents/${String(agent['id'])}/set-default`)));
    expect(replies.map((reply) => reply.status)).toEqual(Array(20).fill(200));
    const rows = await sql<{ id: string }>(api.databaseUrl, 'select "id" from "agent_api"."agents" where "is_default"');
    expect(rows).toHaveLength(1);
    const list = (await api.request('GET', '/api/agents')).body as unknown as Json[];
    expect(list.filter((agent) => agent['is_default'] === true).map((agent) => agent['id'])).toEqual([rows[0]?.id]);
    // Creating a default agent moves the flag too.
    const fresh = await newAgent(api, { is_default: true });
    expect((await sql<{ id: string }>(api.databaseUrl, 'select "id" from "agent_api"."agents" where "is_default"')).map((row) => row.id)).toEqual([fresh['id']]);
  });

  it('makes the oldest remaining agent the default when the default is deleted: exactly one default while agents exist', async () => {
    const defaults = async () => (await sql<{ id: string }>(api.databaseUrl, 'select "id" from "agent_api"."agents" where "is_default"')).map((row) => row.id);
    const oldest = async () => (await sql<{ id: string }>(api.databaseUrl, 'select "id" from "agent_api"."agents" order by "created_at", "id" limit 1'))[0]?.id;
    const doomed = await newAgent(api, { is_default: true });
    expect(await defaults()).toEqual([doomed['id']]);

    expect((await api.request('DELETE', `/api/agents/${String(doomed['id'])}`)).status).toBe(204);

    const promoted = await oldest();
    expect(await defaults()).toEqual([promoted]);
    expect((await api.request('GET', `/api/agents/${String(promoted)}`)).body['is_default']).toBe(true);
    // Deleting an agent that is not the default changes nothing about the default.
    const other = await newAgent(api);
    expect((await api.request('DELETE', `/api/agents/${String(other['id'])}`)).status).toBe(204);
    expect(await defaults()).toEqual([promoted]);
  });

  it('stores plugin secrets encrypted, never returns them, keeps them on a masked round trip and clears them on null', async () => {
    const created = await newAgent(api, { plugins: { discord: { enabled: true, bot_token: TOKEN, auto_join: false }, telegram: { bot_token: 'short' } } });
    const id = String(created['id']);
    expect(created['plugins']).toEqual({
      discord: { enabled: true, auto_join: false, bot_token: { set: true, last4: TOKEN.slice(-4) } },
      telegram: { enabled: false, bot_token: { set: true } },
    });
    const raw = await storedPlugins(api.databaseUrl, id);
    expect(raw).not.toContain(TOKEN);
    expect(raw).not.toContain('short');
    expect(JSON.parse(raw ?? '{}')).toMatchObject({ discord: { bot_token: { $enc: 'v1', kid: 'ka' } } });

    const masked = (created['plugins'] as Json)['discord'] as Json;
    const kept = await api.request('PUT', `/api/agents/${id}`, { plugins: { discord: { ...masked, auto_join: true }, telegram: { enabled: true } } });
    expect(kept.status).toBe(200);
    const service = api.service.app.get(AgentsService);
    expect(await service.revealPlugins(id)).toEqual({
      discord: { enabled: true, auto_join: true, bot_token: TOKEN },
      telegram: { enabled: true, bot_token: 'short' },
    });
    const cleared = await api.request('PUT', `/api/agents/${id}`, { plugins: { discord: { enabled: false, bot_token: null } } });
    expect(cleared.body['plugins']).toEqual({ discord: { enabled: false } });

    const unknownType = await api.request('PUT', `/api/agents/${id}`, { plugins: { myspace: { enabled: true } } });
    expect(fieldsOf(unknownType)).toEqual(['plugins.myspace']);
    const badSecret = await api.request('PUT', `/api/agents/${id}`, { plugins: { slack: { bot_token: 42, app_token: { $enc: 'v1' } } } });
    expect(fieldsOf(badSecret).sort()).toEqual(['plugins.slack.app_token', 'plugins.slack.bot_token']);
    const keepNothing = await api.request('PUT', `/api/agents/${id}`, { plugins: { webhook: { url: { set: true } } } });
    expect(fieldsOf(keepNothing)).toEqual(['plugins.webhook.url']);

    for (const path of ['/api/agents', `/api/agents/${id}`]) expect(JSON.stringify((await api.request('GET', path)).body)).not.toContain(TOKEN);
  });

  it('publishes created, updated and deleted on JetStream after each change, secrets masked', async () => {
    const agent = await newAgent(api, { plugins: { n8n: { enabled: true, webhook_url: 'https://n8n.example.com/webhook/secret-path-123' } } });
    const id = String(agent['id']);
    expect((await api.request('PUT', `/api/agents/${id}`, { temperature: 0.1 })).body).toMatchObject({ temperature: 0.1 });
    await api.request('DELETE', `/api/agents/${id}`);
    const mine = await expectEventually(() => {
      const kinds = recorder.events.filter(({ event }) => event.id === id).map(({ subject }) => subject);
      expect(kinds).toEqual([AgentSubjects.created, AgentSubjects.updated, AgentSubjects.deleted]);
      return recorder.events.filter(({ event }) => event.id === id);
    });
    expect(mine[0]?.event.agent).toEqual(agent);
    expect(mine[1]?.event.agent).toMatchObject({ id, temperature: 0.1 });
    expect(mine[2]?.event).toEqual({ id });
    expect(JSON.stringify(recorder.events)).not.toContain('secret-path-123');
    // The seed agents were announced too.
    expect(recorder.events.filter(({ subject, event }) => subject === AgentSubjects.created && SEED_IDS.includes(event.id))).toHaveLength(3);
  });

  it('documents every agents endpoint in OpenAPI', async () => {
    const doc = (await api.request('GET', '/api/docs-json')).body as { paths: Record<string, Record<string, { tags: string[]; responses: Record<string, unknown> }>> };
    expect(Object.keys(doc.paths['/api/agents/{id}'] ?? {}).sort()).toEqual(['delete', 'get', 'put']);
    expect(doc.paths['/api/agents']?.['post']?.responses).toHaveProperty('409');
    expect(doc.paths['/api/agents/{id}/set-default']?.['put']?.tags).toEqual(['agents']);
  });
});

describe('agents without an encryption key', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('refuses to store a secret (422 encryption_key_missing) and stores nothing, while agents without secrets work', async () => {
    const refused = await api.request('POST', '/api/agents', { name: 'No Key Bot', system_prompt: 'p', plugins: { discord: { enabled: true, bot_token: TOKEN } } });
    expect(refused.status).toBe(422);
    expect(refused.body.error?.code).toBe('encryption_key_missing');
    expect(await sql(api.databaseUrl, `select 1 from "agent_api"."agents" where "name" = 'No Key Bot' or "plugins"::text like '%discord-bot-token%'`)).toEqual([]);

    const agent = await newAgent(api, { plugins: { discord: { enabled: false, auto_join: true } } });
    const path = `/api/agents/${String(agent['id'])}`;
    const update = await api.request('PUT', path, { plugins: { discord: { enabled: true, bot_token: TOKEN } } });
    expect(update.status).toBe(422);
    expect((await api.request('GET', path)).body).toEqual(agent);
  });
});

describe('agent seeding across reboots', () => {
  it('seeds once per database: deleted seed agents stay deleted after a reboot, and two replicas seed once', async () => {
    const infra = testInfra();
    const databaseUrl = await createTestDatabase(infra.serverUrl, 'vb_agents_seed');
    await runMigrations(databaseUrl, [serviceSchema]);
    try {
      const [first, second] = await Promise.all([bootOn(databaseUrl), bootOn(databaseUrl)]);
      const seeded = await sql<{ name: string; is_default: boolean }>(databaseUrl, 'select "name", "is_default" from "agent_api"."agents" order by "id"');
      expect(seeded).toEqual([
        { name: 'Auren', is_default: true },
        { name: 'TechSupport', is_default: false },
        { name: 'Creative Writer', is_default: false },
      ]);
      for (const id of SEED_IDS) expect((await first?.request('DELETE', `/api/agents/${id}`))?.status).toBe(204);
      await Promise.all([first?.close(), second?.close()]);

      const again = await bootOn(databaseUrl);
      expect((await again.request('GET', '/api/agents')).body).toEqual([]);
      await again.close();
    } finally {
      await dropDatabase(infra.serverUrl, databaseUrl);
    }
  });
});

describe('plugin secrets across key rotation and in logs', () => {
  it('keeps a secret readable after re-encrypting under a new key and booting with only that key', async () => {
    const infra = testInfra();
    const databaseUrl = await createTestDatabase(infra.serverUrl, 'vb_agents_rotate');
    await runMigrations(databaseUrl, [serviceSchema]);
    const keyA = newEncryptionKey('kold');
    const keyB = newEncryptionKey('knew');
    const logLines: string[] = [];
    try {
      const before = await bootOn(databaseUrl, { VOXBRIDGE_ENCRYPTION_KEY: keyA }, logLines);
      const created = await before.request('POST', '/api/agents', { name: 'Rotating', system_prompt: 'p', plugins: { slack: { enabled: true, bot_token: TOKEN, signing_secret: 'signing-secret-value-1234' } } });
      expect(created.status).toBe(201);
      const id = String(created.body['id']);
      await before.request('PUT', `/api/agents/${id}`, { plugins: { slack: { enabled: true, app_token: 'xapp-app-token-value-5678' } } });
      await before.close();

      // Booted with B only, a secret under A cannot be read: it shows as set, without last4.
      const stale = await bootOn(databaseUrl, { VOXBRIDGE_ENCRYPTION_KEY: keyB }, logLines);
      expect(((await stale.request('GET', `/api/agents/${id}`)).body['plugins'] as Json)['slack']).toMatchObject({ bot_token: { set: true } });
      await expect(stale.app.get(AgentsService).revealPlugins(id)).rejects.toThrow(/unknown key id kold/);
      await stale.close();

      const toolEnv = { DATABASE_URL: databaseUrl, VOXBRIDGE_ENCRYPTION_KEY: keyB, VOXBRIDGE_ENCRYPTION_OLD_KEYS: keyA };
      const dryRun = await secretsTool(['reencrypt'], toolEnv);
      expect(dryRun).toContain(`agent ${id} (Rotating) plugin slack: 3 would be re-encrypted, 0 plaintext would be encrypted`);
      expect(await storedPlugins(databaseUrl, id)).toContain('"kid": "kold"');
      expect(await secretsTool(['reencrypt', '--apply'], toolEnv)).toContain('secrets: 1 agents changed, key knew');
      expect(await secretsTool(['reencrypt', '--apply'], toolEnv)).toContain('secrets: 0 agents changed');
      expect(await storedPlugins(databaseUrl, id)).not.toContain('kold');
      for (const output of [dryRun]) for (const secret of [TOKEN, 'signing-secret-value-1234']) expect(output).not.toContain(secret);

      const after = await bootOn(databaseUrl, { VOXBRIDGE_ENCRYPTION_KEY: keyB }, logLines);
      const slack = ((await after.request('GET', `/api/agents/${id}`)).body['plugins'] as Json)['slack'];
      expect(slack).toEqual({ enabled: true, bot_token: { set: true, last4: TOKEN.slice(-4) }, signing_secret: { set: true, last4: '1234' }, app_token: { set: true, last4: '5678' } });
      expect(await after.app.get(AgentsService).revealPlugins(id)).toEqual({
        slack: { enabled: true, bot_token: TOKEN, signing_secret: 'signing-secret-value-1234', app_token: 'xapp-app-token-value-5678' },
      });
      await after.close();

      expect(logLines.length).toBeGreaterThan(10);
      const logs = logLines.join('');
      for (const secret of [TOKEN, 'signing-secret-value-1234', 'xapp-app-token-value-5678']) expect(logs).not.toContain(secret);
      expect(logs).toContain('plugin secret cannot be decrypted');
    } finally {
      await dropDatabase(infra.serverUrl, databaseUrl);
    }
  });
});
