import { decryptField, isEncryptedField, KeyRing, type PluginsConfig } from '@voxbridge/plugin-sdk';
import { createTestDatabase, dropDatabase, testInfra } from '@voxbridge/testing';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, runImportCli } from './cli';
import { fernetEncrypt, generateFernetKey, parseFernetKey } from './fernet';
import type { ImportReport } from './import';
import { stableId } from './stable-id';

// Real Postgres from jest globalSetup. The source is a scratch database built with VoxBridge 2.0's
// DDL (inventory §2, after its last migration 029) and sample rows; Fernet tokens are made here.
// The fleet database does not exist until --apply creates and migrates it. The last test spawns the
// built `dist/tools/import/main.js` (what `npm run import:voxbridge` runs) only when a build exists:
// building here would race with other runs that rebuild dist/, so it is skipped visibly otherwise.

const builtCli = join(__dirname, '..', '..', 'dist', 'tools', 'import', 'main.js');

const VB2_DDL = `
  create table llm_providers (id uuid primary key default gen_random_uuid(), name varchar(255) not null, base_url varchar(512),
    api_key_encrypted text, provider_type varchar(50) not null, models jsonb default '[]', default_model varchar(255),
    is_active boolean default true, created_at timestamptz default now(), updated_at timestamptz default now());
  create table agents (
    id uuid primary key, name varchar(100) not null, description text, system_prompt text not null,
    llm_provider varchar(50) not null, llm_model varchar(100) not null, temperature double precision not null default 0.7,
    llm_provider_id uuid references llm_providers(id) on delete set null,
    tts_voice varchar(100), tts_exaggeration double precision not null default 1.0, tts_cfg_weight double precision not null default 0.7,
    tts_temperature double precision not null default 0.3, tts_language varchar(10) not null default 'en',
    filter_actions_for_tts boolean not null default false, use_n8n boolean not null default false, n8n_webhook_url varchar(500),
    is_default boolean not null default false, plugins jsonb not null default '{}', max_utterance_time_ms integer default 120000,
    memory_scope varchar(20) default 'global', created_at timestamptz default now(), updated_at timestamptz default now(),
    is_active boolean default true);
  create unique index ix_agents_name on agents (name);
  create unique index ix_agents_is_default_unique on agents (is_default) where is_default;
  create index ix_agents_plugins_gin on agents using gin (plugins);
  create table sessions (id uuid primary key, user_id varchar(100) not null, user_name varchar(100), title varchar(200),
    agent_id uuid not null references agents(id) on delete cascade, active boolean default true, started_at timestamptz default now(),
    ended_at timestamptz, session_type varchar(20) not null, session_metadata text, discord_guild_id varchar(100));
  create table conversations (id serial primary key, session_id uuid references sessions(id) on delete cascade, role varchar(20) not null,
    content text not null, timestamp timestamptz default now(), audio_duration_ms integer, tts_duration_ms integer,
    llm_latency_ms integer, total_latency_ms integer);
  create type userrole as enum ('admin', 'user');
  create table users (id uuid primary key, email varchar(255) unique, username varchar(100) unique, password_hash varchar(255),
    role userrole default 'user', is_active boolean default true, user_id varchar(255) unique, display_name varchar(255),
    embedding_provider varchar(50) default 'azure', memory_extraction_enabled boolean default false,
    allow_agent_specific_memory boolean default true, timezone varchar(50) not null default 'America/Los_Angeles',
    auth_token varchar(255) unique, token_created_at timestamptz, last_login_at timestamptz,
    created_at timestamptz default now(), updated_at timestamptz default now());
  create table user_facts (id uuid primary key, user_id uuid references users(id) on delete cascade,
    agent_id uuid references agents(id) on delete cascade, fact_key varchar(100) not null, fact_value text not null, fact_text text,
    importance double precision default 0.5, memory_bank varchar(50) not null default 'General', vector_id varchar(255) not null unique,
    embedding_provider varchar(50) not null, embedding_model varchar(100), validity_start timestamptz default now(), validity_end timestamptz,
    created_at timestamptz default now(), updated_at timestamptz default now(), last_accessed_at timestamptz,
    is_protected boolean default false, is_summarized boolean default false, summarized_from jsonb);
  create table extraction_tasks (id uuid primary key, user_id varchar(255) not null, agent_id uuid references agents(id) on delete cascade,
    user_message text, ai_response text, status varchar(20) default 'pending', attempts integer default 0, error text,
    created_at timestamptz default now(), completed_at timestamptz);
  create table system_settings (id uuid primary key, setting_key varchar(100) unique not null, setting_value jsonb,
    updated_at timestamptz default now(), updated_by varchar(255));
`;

const AUREN = '00000000-0000-0000-0000-000000000001';
const SUPPORT = '00000000-0000-0000-0000-000000000002';
const ROGUE = '00000000-0000-0000-0000-000000000003';
const BLANK = '00000000-0000-0000-0000-000000000004';
const WEB_SESSION = '10000000-0000-4000-8000-000000000001';
const DISCORD_SESSION = '10000000-0000-4000-8000-000000000002';
const USER = '20000000-0000-4000-8000-000000000001';
const FACT = '30000000-0000-4000-8000-000000000001';
const BOT_TOKEN = 'MTA5ODc2NTQzMjEwOTg3NjU0.GxYzAb.discord-bot-token-sample';
const N8N_URL = 'https://n8n.example.test/webhook/support';

async function withClient<T>(url: string, run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function seedOriginal(url: string, tokenFor: (plaintext: string) => string): Promise<void> {
  await withClient(url, async (db) => {
    await db.query(VB2_DDL);
    await db.query(`insert into llm_providers (id, name, base_url, api_key_encrypted, provider_type) values
      ('40000000-0000-4000-8000-000000000001', 'Home Ollama', 'http://gpu-box:11434/v1', null, 'ollama')`);
    await db.query(
      `insert into agents (id, name, system_prompt, llm_provider, llm_model, temperature, tts_voice, tts_exaggeration, tts_cfg_weight,
         tts_temperature, tts_language, filter_actions_for_tts, is_default, plugins, memory_scope, created_at, updated_at)
       values ($1, 'Auren (Default)', 'You are Auren.', 'openrouter', 'anthropic/claude-3.5-sonnet', 0.7, 'auren_voice', 1.3, 0.6, 0.4,
         'fr', true, true, $2, 'agent', '2025-11-01T10:00:00Z', '2025-11-02T10:00:00Z')`,
      [AUREN, JSON.stringify({ discord: { enabled: true, bot_token: `__encrypted__:${tokenFor(BOT_TOKEN)}`, auto_join: false, channels: [], command_prefix: '!' } })],
    );
    await db.query(
      `insert into agents (id, name, system_prompt, llm_provider, llm_model, llm_provider_id, temperature, use_n8n, n8n_webhook_url, plugins)
       values ($1, 'TechSupport', 'You help.', 'local', 'llama3.1:8b', '40000000-0000-4000-8000-000000000001', 0.5, true, $2, $3)`,
      [SUPPORT, N8N_URL, JSON.stringify({ n8n: { enabled: true, webhook_url: `__encrypted__:${tokenFor(N8N_URL)}`, fallback_only: false } })],
    );
    await db.query(`insert into agents (id, name, system_prompt, llm_provider, llm_model) values ($1, 'Rogue', 'x', 'anthropic', 'claude')`, [ROGUE]);
    await db.query(`insert into agents (id, name, system_prompt, llm_provider, llm_model) values ($1, 'Blank', '', 'openrouter', 'm')`, [BLANK]);
    await db.query(
      `insert into sessions (id, user_id, user_name, title, agent_id, active, started_at, ended_at, session_type, session_metadata, discord_guild_id) values
        ($1, 'web_user_default', 'Ann', 'Trip planning', $3, false, '2025-11-03T09:00:00.123Z', '2025-11-03T09:10:00Z', 'webrtc', '{"browser":"firefox"}', null),
        ($2, 'discord:42', 'Bob', null, $4, true, '2025-11-04T09:00:00Z', null, 'discord', null, 'guild-9')`,
      [WEB_SESSION, DISCORD_SESSION, AUREN, SUPPORT],
    );
    await db.query(
      `insert into conversations (session_id, role, content, timestamp, audio_duration_ms, tts_duration_ms, llm_latency_ms, total_latency_ms) values
        ($1, 'user', 'Where should we go?', '2025-11-03T09:00:05Z', 2100, null, null, null),
        ($1, 'assistant', 'Lisbon.', '2025-11-03T09:00:07Z', null, 900, 420, 1300),
        ($2, 'user', 'Reset my router', '2025-11-04T09:00:05Z', null, null, null, null)`,
      [WEB_SESSION, DISCORD_SESSION],
    );
    await db.query(`insert into users (id, email, username, user_id) values ($1, 'ann@example.test', 'ann', 'web_user_default')`, [USER]);
    await db.query(
      `insert into user_facts (id, user_id, agent_id, fact_key, fact_value, vector_id, embedding_provider) values ($1, $2, null, 'city', 'Porto', 'v1', 'local')`,
      [FACT, USER],
    );
    await db.query(`insert into system_settings (id, setting_key, setting_value) values (gen_random_uuid(), 'embedding_config', '{"provider":"local"}')`);
  });
}

function capture() {
  const lines: string[] = [];
  return { lines, out: { log: (line: string) => lines.push(line), error: (line: string) => lines.push(line) } };
}

describe(runImportCli.name, () => {
  const { serverUrl } = testInfra();
  const oldKeyText = generateFernetKey();
  const oldKey = parseFernetKey(oldKeyText);
  const ourKey = `kimport:${Buffer.alloc(32, 7).toString('base64')}`;
  const made: string[] = [];
  let sourceUrl = '';

  /** A database name of this run that does not exist yet (the teardown finds leftovers by the run id). */
  const absentDatabase = async () => {
    const url = await createTestDatabase(serverUrl, 'vb_test_import');
    await dropDatabase(serverUrl, url);
    made.push(url);
    return url;
  };
  const databaseExists = async (url: string) =>
    withClient(serverUrl, async (db) => (await db.query('select 1 from pg_database where datname = $1', [new URL(url).pathname.slice(1)])).rowCount === 1);
  const run = async (args: string[], databaseUrl: string, env: NodeJS.ProcessEnv = {}) => {
    const { lines, out } = capture();
    const code = await runImportCli(['--from', sourceUrl, ...args], { DATABASE_URL: databaseUrl, VOXBRIDGE_ENCRYPTION_KEY: ourKey, ...env }, out);
    return { code, lines };
  };
  const reportOf = (lines: string[]) => JSON.parse(lines.slice(1).join('\n')) as ImportReport;
  const fleetRows = (url: string) =>
    withClient(url, async (db) => ({
      agents: (await db.query('select * from agent_api.agents order by id')).rows,
      sessions: (await db.query('select * from session_store.sessions order by id')).rows,
      messages: (await db.query('select * from session_store.messages order by seq')).rows,
    }));

  beforeAll(async () => {
    sourceUrl = await createTestDatabase(serverUrl, 'vb_test_import');
    made.push(sourceUrl);
    await seedOriginal(sourceUrl, (plaintext) => fernetEncrypt(plaintext, oldKey));
  });

  afterAll(async () => {
    for (const url of made) await dropDatabase(serverUrl, url);
  });

  it('reports a dry run on a fleet database that does not exist yet and creates nothing', async () => {
    const target = await absentDatabase();

    const sut = await run(['--old-key', oldKeyText, '--json'], target);

    expect(sut.code).toBe(EXIT_OK);
    const report = reportOf(sut.lines);
    expect(report).toEqual(
      expect.objectContaining({
        apply: false,
        schemasMissing: true,
        counts: {
          agents: { new: 3, updated: 0, unchanged: 0, skipped: 1 },
          sessions: { new: 2, updated: 0, unchanged: 0, skipped: 0 },
          messages: { new: 3, updated: 0, unchanged: 0, skipped: 0 },
        },
        skipped: [{ kind: 'agents', id: BLANK, reason: 'system_prompt must be 1-10000 characters' }],
        secrets: { decrypted: 2, plaintext: 0, keyId: 'kimport' },
      }),
    );
    expect(await databaseExists(target)).toBe(false);
  });

  it('imports agents, sessions and messages, re-encrypts the secrets and lists what it cannot map; a second run changes nothing', async () => {
    const target = await absentDatabase();

    const sut = await run(['--apply', '--json'], target, { PLUGIN_ENCRYPTION_KEY: oldKeyText });
    const rowsAfterFirst = await fleetRows(target);
    const again = await run(['--apply', '--json'], target, { PLUGIN_ENCRYPTION_KEY: oldKeyText });

    expect([sut.code, again.code]).toEqual([EXIT_OK, EXIT_OK]);
    expect(await fleetRows(target)).toEqual(rowsAfterFirst);
    expect(reportOf(sut.lines).counts.messages).toEqual({ new: 3, updated: 0, unchanged: 0, skipped: 0 });
    expect(reportOf(sut.lines).unmapped).toEqual(
      expect.arrayContaining([
        { what: 'memory facts (user_facts)', items: [FACT] },
        { what: 'users (accounts)', items: [USER] },
        { what: 'system settings', items: ['embedding_config'] },
        { what: 'LLM provider records (llm_providers)', items: ['Home Ollama'] },
        { what: expect.stringContaining('agents.memory_scope'), items: [AUREN] },
        { what: expect.stringContaining('agents.llm_provider "anthropic"'), items: [ROGUE] },
        { what: expect.stringContaining('conversations.audio_duration_ms'), items: ['1'] },
        { what: expect.stringContaining('conversations.tts_duration_ms'), items: ['2'] },
      ]),
    );
    expect(reportOf(again.lines).counts).toEqual({
      agents: { new: 0, updated: 0, unchanged: 3, skipped: 1 },
      sessions: { new: 0, updated: 0, unchanged: 2, skipped: 0 },
      messages: { new: 0, updated: 0, unchanged: 3, skipped: 0 },
    });

    await withClient(target, async (db) => {
      const agents = (await db.query('select * from agent_api.agents where id = any($1) order by name', [[AUREN, SUPPORT]])).rows;
      expect(agents).toEqual([
        expect.objectContaining({
          id: AUREN, name: 'Auren (Default)', llm_provider: 'openrouter', is_default: true, tts_voice: 'auren_voice', tts_exaggeration: 1.3,
          tts_cfg_weight: 0.6, tts_temperature: 0.4, tts_language: 'fr', filter_actions_for_tts: true, max_utterance_ms: 120_000,
          created_at: new Date('2025-11-01T10:00:00Z'),
        }),
        expect.objectContaining({
          id: SUPPORT, name: 'TechSupport', llm_provider: 'n8n', n8n_webhook_url: N8N_URL,
          fallback: [{ provider: 'openai_compatible', model: 'llama3.1:8b', base_url: 'http://gpu-box:11434/v1' }],
        }),
      ]);
      const rogue = (await db.query('select llm_provider, llm_model from agent_api.agents where id = $1', [ROGUE])).rows;
      expect(rogue).toEqual([{ llm_provider: 'auto', llm_model: 'claude' }]);
      const plugins = agents[0].plugins as PluginsConfig;
      const stored = plugins['discord']?.['bot_token'];
      expect(plugins['discord']).toEqual(expect.objectContaining({ enabled: true, auto_join: false, channels: [], command_prefix: '!' }));
      expect(isEncryptedField(stored) && decryptField(stored, KeyRing.fromText(ourKey), { agentId: AUREN, pluginType: 'discord', field: 'bot_token' })).toBe(BOT_TOKEN);
      expect(JSON.stringify(agents)).not.toContain(BOT_TOKEN);
      const n8n = (agents[1].plugins as PluginsConfig)['n8n'];
      expect(n8n).toEqual(expect.objectContaining({ enabled: false, fallback_only: false }));
      const n8nUrl = n8n?.['webhook_url'];
      expect(isEncryptedField(n8nUrl) && decryptField(n8nUrl, KeyRing.fromText(ourKey), { agentId: SUPPORT, pluginType: 'n8n', field: 'webhook_url' })).toBe(N8N_URL);

      const sessions = (await db.query('select * from session_store.sessions order by started_at')).rows;
      expect(sessions).toEqual([
        expect.objectContaining({ id: WEB_SESSION, agent_id: AUREN, title: 'Trip planning', active: false, session_type: 'webrtc',
          started_at: new Date('2025-11-03T09:00:00.123Z'), session_metadata: { browser: 'firefox' }, message_count: 2 }),
        expect.objectContaining({ id: DISCORD_SESSION, agent_id: SUPPORT, title: 'New Conversation', session_type: 'discord',
          session_metadata: { discord_guild_id: 'guild-9' }, message_count: 1 }),
      ]);
      const messages = (await db.query('select id, session_id, role, content, llm_ttft_ms, total_latency_ms from session_store.messages order by seq')).rows;
      expect(messages).toEqual([
        { id: stableId('conversations', 1), session_id: WEB_SESSION, role: 'user', content: 'Where should we go?', llm_ttft_ms: null, total_latency_ms: null },
        { id: stableId('conversations', 2), session_id: WEB_SESSION, role: 'assistant', content: 'Lisbon.', llm_ttft_ms: 420, total_latency_ms: 1300 },
        { id: stableId('conversations', 3), session_id: DISCORD_SESSION, role: 'user', content: 'Reset my router', llm_ttft_ms: null, total_latency_ms: null },
      ]);
    });
  });

  it('updates what changed in the original since the last run and keeps unchanged secrets as stored', async () => {
    const source = await createTestDatabase(serverUrl, 'vb_test_import');
    made.push(source);
    await seedOriginal(source, (plaintext) => fernetEncrypt(plaintext, oldKey));
    const target = await absentDatabase();
    const env = { DATABASE_URL: target, VOXBRIDGE_ENCRYPTION_KEY: ourKey, PLUGIN_ENCRYPTION_KEY: oldKeyText };
    expect(await runImportCli(['--from', source, '--apply'], env, capture().out)).toBe(EXIT_OK);
    const before = await fleetRows(target);
    await withClient(source, async (db) => {
      await db.query(`update agents set tts_voice = 'new_voice' where id = $1`, [AUREN]);
      await db.query(`update sessions set title = 'Renamed' where id = $1`, [DISCORD_SESSION]);
    });
    const { lines, out } = capture();

    const sut = await runImportCli(['--from', source, '--apply', '--json'], env, out);

    expect(sut).toBe(EXIT_OK);
    expect(reportOf(lines).counts).toEqual({
      agents: { new: 0, updated: 1, unchanged: 2, skipped: 1 },
      sessions: { new: 0, updated: 1, unchanged: 1, skipped: 0 },
      messages: { new: 0, updated: 0, unchanged: 3, skipped: 0 },
    });
    const after = await fleetRows(target);
    const auren = (rows: Array<Record<string, unknown>>) => rows.find((row) => row['id'] === AUREN);
    expect(auren(after.agents)).toEqual(expect.objectContaining({ tts_voice: 'new_voice', plugins: auren(before.agents)?.['plugins'] }));
    expect(after.sessions.find((row) => row['id'] === DISCORD_SESSION)).toEqual(expect.objectContaining({ title: 'Renamed', message_count: 1 }));
  });

  it('renames an agent whose name a fleet agent already has, keeps its conversations, and stays idempotent', async () => {
    const target = await absentDatabase();
    expect((await run(['--apply'], target, { PLUGIN_ENCRYPTION_KEY: oldKeyText })).code).toBe(EXIT_OK);
    await withClient(target, async (db) => {
      await db.query(`delete from agent_api.agents where id = $1`, [SUPPORT]);
      await db.query(`insert into agent_api.agents (name, system_prompt, llm_model) values ('techsupport', 'Mine.', 'm')`);
    });

    const sut = await run(['--apply', '--json'], target, { PLUGIN_ENCRYPTION_KEY: oldKeyText });
    const again = await run(['--apply', '--json'], target, { PLUGIN_ENCRYPTION_KEY: oldKeyText });

    expect(reportOf(sut.lines).counts.agents).toEqual({ new: 1, updated: 0, unchanged: 2, skipped: 1 });
    expect(reportOf(sut.lines).notes).toEqual(expect.arrayContaining([expect.stringMatching(/^agent 0+-0+-0+-0+-0+2: renamed "TechSupport \(imported\)"/)]));
    expect(reportOf(again.lines).counts.agents).toEqual({ new: 0, updated: 0, unchanged: 3, skipped: 1 });
    const names = await withClient(target, async (db) => (await db.query('select id, name from agent_api.agents where id = $1', [SUPPORT])).rows);
    expect(names).toEqual([{ id: SUPPORT, name: 'TechSupport (imported)' }]);
    expect(reportOf(again.lines).counts.sessions).toEqual({ new: 0, updated: 0, unchanged: 2, skipped: 0 });
  });

  it('prints a readable dry-run report naming skips and unmapped rows', async () => {
    const target = await absentDatabase();

    const sut = await run(['--old-key', oldKeyText], target);

    expect(sut.code).toBe(EXIT_OK);
    expect(sut.lines).toEqual(
      expect.arrayContaining([
        'import: agents: 3 new, 0 updated, 0 unchanged, 1 skipped',
        `import:   memory facts (user_facts): 1 — ${FACT}`,
        'import: dry run: nothing written (--apply to write)',
      ]),
    );
    expect(sut.lines.join('\n')).not.toContain(BOT_TOKEN);
  });

  it('fails on a wrong old key naming the secret, and writes nothing', async () => {
    const target = await absentDatabase();

    const sut = await run(['--apply', '--old-key', generateFernetKey()], target);

    expect(sut.code).toBe(EXIT_FAILED);
    expect(sut.lines.at(-1)).toMatch(/^import: failed \[old_key_wrong\]: agent 0{8}-0{4}-0{4}-0{4}-0{11}1 plugins\.discord\.bot_token cannot be decrypted/);
    expect(await databaseExists(target)).toBe(false);
  });

  it('fails when the secrets are encrypted and no old key is given', async () => {
    const sut = await run(['--apply'], await absentDatabase());

    expect(sut.code).toBe(EXIT_FAILED);
    expect(sut.lines.at(-1)).toMatch(/\[old_key_missing\].*PLUGIN_ENCRYPTION_KEY/);
  });

  it('fails on a database that is not VoxBridge 2.0, naming the missing table', async () => {
    const empty = await createTestDatabase(serverUrl, 'vb_test_import');
    made.push(empty);
    const { lines, out } = capture();

    const sut = await runImportCli(['--from', empty, '--apply'], { DATABASE_URL: await absentDatabase(), VOXBRIDGE_ENCRYPTION_KEY: ourKey }, out);

    expect(sut).toBe(EXIT_FAILED);
    expect(lines.at(-1)).toMatch(/\[source_schema\].*table agents is missing; table sessions is missing; table conversations is missing/);
  });

  it('fails on an unreachable source without printing its password', async () => {
    const { lines, out } = capture();

    const sut = await runImportCli(['--from', 'postgres://vox:hunter2@127.0.0.1:1/voxbridge'], { DATABASE_URL: await absentDatabase() }, out);

    expect(sut).toBe(EXIT_FAILED);
    expect(lines.at(-1)).toMatch(/^import: failed \[source_unreachable\]: cannot connect to the VoxBridge 2.0 database/);
    expect(lines.join('\n')).not.toContain('hunter2');
  });

  (existsSync(builtCli) ? it : it.skip)('runs as the built CLI (dist/): dry run, then --apply creating and migrating the fleet database', async () => {
    const target = await absentDatabase();
    const env = { ...process.env, DATABASE_URL: target, VOXBRIDGE_ENCRYPTION_KEY: ourKey, PLUGIN_ENCRYPTION_KEY: oldKeyText };
    const cli = (args: string[]) => promisify(execFile)(process.execPath, [builtCli, '--from', sourceUrl, ...args], { env });

    const dry = await cli([]);
    const applied = await cli(['--apply']);

    expect(dry.stdout).toContain('import: messages: 3 new, 0 updated, 0 unchanged, 0 skipped');
    expect(dry.stdout).toContain('import: fleet schemas are missing: --apply runs the migrations first');
    expect(applied.stdout).toContain('import: fleet schemas were missing: migrations applied');
    expect(applied.stdout).toContain('import: applied in one transaction');
    expect(await fleetRows(target)).toEqual(expect.objectContaining({ messages: expect.arrayContaining([expect.objectContaining({ llm_ttft_ms: 420 })]) }));
    // Two node processes and the fleet's migrations: slow on a busy machine, not a timing assertion.
  }, 90_000);

  it('exits 2 on a malformed old key or a missing --from, without echoing the key', async () => {
    const { lines, out } = capture();

    const sut = await runImportCli(['--from', sourceUrl, '--old-key', 'not-a-fernet-key'], { DATABASE_URL: sourceUrl }, out);
    const noFrom = await runImportCli([], { DATABASE_URL: sourceUrl }, capture().out);

    expect([sut, noFrom]).toEqual([EXIT_USAGE, EXIT_USAGE]);
    expect(lines[0]).toBe('import: --old-key: a Fernet key is 32 bytes in url-safe base64 (44 characters)');
    expect(lines.join('\n')).not.toContain('not-a-fernet-key');
  });
});
