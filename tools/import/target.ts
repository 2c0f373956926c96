import { encryptField, isPlainObject, isPluginType, revealPlugins, secretFieldsOf, type KeyRing, type PluginsConfig } from '@voxbridge/plugin-sdk';
import { Client, DatabaseError } from 'pg';
import { ImportError, ImportErrorCode } from './import.errors';
import type { ImportPlan, Kind, PlannedAgent, PlannedMessage, PlannedSession, Skipped } from './mapping';
import { messageOf, type Row } from './source';

export interface KindCounts {
  new: number;
  unchanged: number;
  updated: number;
  skipped: number;
}

export interface WriteResult {
  counts: Record<Kind, KindCounts>;
  /** The plan's skips plus those found against the fleet (name taken, …). */
  skipped: Skipped[];
  notes: string[];
  /** The fleet's schemas were missing: created by migrations (--apply) or would be (dry run). */
  schemasMissing: boolean;
}

export interface WriteOptions {
  apply: boolean;
  /** Runs the fleet's migrations (creating the database if needed); called only with --apply when the schemas are missing. */
  migrate: () => Promise<void>;
}

const INVALID_CATALOG_NAME = '3D000';
const RENAME_SUFFIX = ' (imported)';
type Status = 'new' | 'unchanged' | 'updated';

const AGENT_COLUMNS = [
  'id', 'name', 'description', 'system_prompt', 'temperature', 'llm_provider', 'llm_model', 'llm_base_url', 'n8n_webhook_url',
  'fallback', 'is_default', 'stt_provider', 'stt_language', 'silence_ms', 'max_utterance_ms', 'tts_provider', 'tts_voice',
  'tts_exaggeration', 'tts_cfg_weight', 'tts_temperature', 'tts_language', 'tts_speed', 'filter_actions_for_tts', 'timezone',
  'plugins', 'created_at', 'updated_at',
] as const satisfies ReadonlyArray<keyof PlannedAgent>;
const SESSION_COLUMNS = [
  'id', 'user_id', 'user_name', 'title', 'agent_id', 'active', 'started_at', 'ended_at', 'session_type', 'session_metadata',
] as const satisfies ReadonlyArray<keyof PlannedSession>;
const MESSAGE_COLUMNS = [
  'id', 'session_id', 'role', 'content', 'created_at', 'llm_ttft_ms', 'total_latency_ms',
] as const satisfies ReadonlyArray<keyof PlannedMessage>;
const JSON_COLUMNS = new Set<string>(['fallback', 'plugins', 'session_metadata']);

/**
 * Compares the plan with the fleet's database and, with `apply`, writes the difference in one
 * transaction. Secrets are compared in plaintext (the stored ciphertext is randomized), so an
 * unchanged agent keeps its ciphertext and a second run writes nothing.
 */
export async function writePlan(url: string, plan: ImportPlan, ring: KeyRing, options: WriteOptions): Promise<WriteResult> {
  let client = await connectTarget(url);
  const schemasMissing = !client || !(await schemasPresent(client));
  if (schemasMissing && options.apply) {
    await client?.end();
    await options.migrate();
    client = await connectTarget(url);
    if (!client || !(await schemasPresent(client))) {
      await client?.end();
      throw new ImportError(ImportErrorCode.TargetUnreachable, 'the fleet schemas are still missing after running the migrations');
    }
  }
  try {
    // After the migrations (--apply) the schemas are there; on a dry run without them there is nothing to compare with.
    const existing = client && (!schemasMissing || options.apply) ? await loadExisting(client, plan) : emptyExisting();
    const diff = compare(plan, existing, ring);
    if (options.apply && client) await write(client, diff, ring);
    return { counts: diff.counts, skipped: diff.skipped, notes: diff.notes, schemasMissing };
  } finally {
    await client?.end().catch(() => undefined);
  }
}

async function connectTarget(url: string): Promise<Client | undefined> {
  const client = new Client({ connectionString: url, application_name: 'voxbridge-import', connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    if (error instanceof DatabaseError && error.code === INVALID_CATALOG_NAME) return undefined;
    throw new ImportError(ImportErrorCode.TargetUnreachable, `cannot connect to the fleet database (DATABASE_URL): ${messageOf(error)}`, { cause: error });
  }
}

async function schemasPresent(client: Client): Promise<boolean> {
  const { rows } = await client.query<{ present: boolean }>(
    `select to_regclass('agent_api.agents') is not null and to_regclass('session_store.sessions') is not null
       and to_regclass('session_store.messages') is not null as "present"`,
  );
  return rows[0]?.present === true;
}

interface Existing {
  agents: Map<string, Row>;
  /** Every fleet agent's id, lower-case name and default flag, for name and default conflicts. */
  fleetAgents: Array<{ id: string; name: string; is_default: boolean }>;
  sessions: Map<string, Row>;
  messages: Map<string, Row>;
}

function emptyExisting(): Existing {
  return { agents: new Map(), fleetAgents: [], sessions: new Map(), messages: new Map() };
}

async function loadExisting(client: Client, plan: ImportPlan): Promise<Existing> {
  const byId = async (sql: string, ids: string[]) => new Map((await client.query<Row>(sql, [ids])).rows.map((row) => [String(row['id']), row]));
  return {
    agents: await byId('select * from "agent_api"."agents" where "id" = any($1::uuid[])', plan.agents.map((agent) => agent.id)),
    fleetAgents: (await client.query<{ id: string; name: string; is_default: boolean }>('select "id", lower("name") as "name", "is_default" from "agent_api"."agents"')).rows,
    sessions: await byId('select * from "session_store"."sessions" where "id" = any($1::uuid[])', plan.sessions.map((session) => session.id)),
    messages: await byId('select * from "session_store"."messages" where "id" = any($1::uuid[])', plan.messages.map((message) => message.id)),
  };
}

interface Change<T> {
  row: T;
  status: Status;
  /** Agents only: the stored plugins to keep when only other fields changed. */
  keepPlugins?: PluginsConfig;
}

interface Diff {
  agents: Array<Change<PlannedAgent>>;
  sessions: Array<Change<PlannedSession>>;
  messages: Array<Change<PlannedMessage>>;
  counts: Record<Kind, KindCounts>;
  skipped: Skipped[];
  notes: string[];
}

function compare(plan: ImportPlan, existing: Existing, ring: KeyRing): Diff {
  const skipped = [...plan.skipped];
  const notes = [...plan.notes];
  const plannedIds = new Set(plan.agents.map((agent) => agent.id));
  const dropped = new Map<string, string>();

  const plannedNames = new Set(plan.agents.map((agent) => agent.name.toLowerCase()));
  const agents: Array<Change<PlannedAgent>> = [];
  for (const planned of plan.agents) {
    const owner = (name: string) => existing.fleetAgents.find((agent) => agent.name === name.toLowerCase() && agent.id !== planned.id);
    let row = planned;
    const taken = owner(planned.name);
    if (taken) {
      // A fleet agent of the same name (the fleet's own seed agents are named like the original's): keep both.
      const renamed = `${planned.name.slice(0, 100 - RENAME_SUFFIX.length)}${RENAME_SUFFIX}`;
      if (owner(renamed) || plannedNames.has(renamed.toLowerCase())) {
        skipped.push({ kind: 'agents', id: planned.sourceId, reason: `the fleet already has agents named "${planned.name}" and "${renamed}"` });
        dropped.set(planned.id, 'its agent is skipped');
        continue;
      }
      row = { ...row, name: renamed };
      notes.push(`agent ${planned.sourceId}: renamed "${renamed}": the fleet's agent ${taken.id} is already named "${planned.name}"`);
    }
    const otherDefault = existing.fleetAgents.find((agent) => agent.is_default && agent.id !== planned.id && !plannedIds.has(agent.id));
    if (planned.is_default && otherDefault) {
      row = { ...row, is_default: false };
      notes.push(`agent ${planned.sourceId}: was the default agent; the fleet's default ${otherDefault.id} stays default`);
    }
    const stored = existing.agents.get(planned.id);
    if (!stored) {
      agents.push({ row, status: 'new' });
      continue;
    }
    const storedPlugins = (isPlainObject(stored['plugins']) ? stored['plugins'] : {}) as PluginsConfig;
    const pluginsSame = samePlugins(planned.id, storedPlugins, row.plugins, ring);
    const sameOther = AGENT_COLUMNS.every((column) => column === 'plugins' || same(row[column], stored[column]));
    agents.push({ row, status: pluginsSame && sameOther ? 'unchanged' : 'updated', keepPlugins: pluginsSame ? storedPlugins : undefined });
  }

  const sessions: Array<Change<PlannedSession>> = [];
  const droppedSessions = new Set<string>();
  for (const planned of plan.sessions) {
    const reason = dropped.get(planned.agent_id);
    if (reason) {
      skipped.push({ kind: 'sessions', id: planned.sourceId, reason });
      droppedSessions.add(planned.id);
      continue;
    }
    sessions.push({ row: planned, status: statusOf(planned, existing.sessions.get(planned.id), SESSION_COLUMNS) });
  }
  const messages: Array<Change<PlannedMessage>> = [];
  for (const planned of plan.messages) {
    if (droppedSessions.has(planned.session_id)) {
      skipped.push({ kind: 'messages', id: planned.sourceId, reason: 'its session is skipped' });
      continue;
    }
    messages.push({ row: planned, status: statusOf(planned, existing.messages.get(planned.id), MESSAGE_COLUMNS) });
  }

  const count = (kind: Kind, changes: Array<{ status: Status }>): KindCounts => ({
    new: changes.filter((change) => change.status === 'new').length,
    unchanged: changes.filter((change) => change.status === 'unchanged').length,
    updated: changes.filter((change) => change.status === 'updated').length,
    skipped: skipped.filter((skip) => skip.kind === kind).length,
  });
  return {
    agents,
    sessions,
    messages,
    counts: { agents: count('agents', agents), sessions: count('sessions', sessions), messages: count('messages', messages) },
    skipped,
    notes,
  };
}

function statusOf<T extends object>(planned: T, stored: Row | undefined, columns: ReadonlyArray<keyof T & string>): Status {
  if (!stored) return 'new';
  return columns.every((column) => same(planned[column], stored[column])) ? 'unchanged' : 'updated';
}

function samePlugins(agentId: string, stored: PluginsConfig, planned: PluginsConfig, ring: KeyRing): boolean {
  try {
    return same(revealPlugins(agentId, stored, ring), planned);
  } catch {
    // Unreadable under our keys: the import's value replaces it.
    return false;
  }
}

function same(a: unknown, b: unknown): boolean {
  return stable(a) === stable(b);
}

/** JSON with sorted keys (jsonb does not keep key order), dates as epoch ms, numbers as numbers. */
function stable(value: unknown): string {
  if (value instanceof Date) return `date:${value.getTime()}`;
  if (value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stable(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

async function write(client: Client, diff: Diff, ring: KeyRing): Promise<void> {
  const changed = <T>(changes: Array<Change<T>>) => changes.filter((change) => change.status !== 'unchanged');
  try {
    await client.query('begin');
    // Agents giving up the default first: the partial unique index allows one default at any moment.
    const agents = changed(diff.agents).sort((a, b) => Number(a.row.is_default) - Number(b.row.is_default));
    for (const { row, keepPlugins } of agents) {
      const plugins = keepPlugins ?? sealPlugins(row.id, row.plugins, ring);
      await upsert(client, '"agent_api"."agents"', AGENT_COLUMNS, { ...row, plugins });
    }
    for (const { row } of changed(diff.sessions)) await upsert(client, '"session_store"."sessions"', SESSION_COLUMNS, row);
    // In the original's order (by id), so the fleet's write order (seq) follows the conversation.
    for (const { row } of changed(diff.messages)) await upsert(client, '"session_store"."messages"', MESSAGE_COLUMNS, row);
    const touched = [...new Set(changed(diff.messages).map(({ row }) => row.session_id))];
    if (touched.length) {
      await client.query(
        `update "session_store"."sessions" as s set "message_count" = c."count"
           from (select "session_id", count(*)::int as "count" from "session_store"."messages" where "session_id" = any($1::uuid[]) group by 1) as c
          where s."id" = c."session_id" and s."message_count" <> c."count"`,
        [touched],
      );
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    if (error instanceof ImportError) throw error;
    throw new ImportError(ImportErrorCode.WriteFailed, `writing to the fleet database failed, nothing was written: ${messageOf(error)}`, { cause: error });
  }
}

/** Secrets in plaintext → ciphertext under the current key, bound to agent, plugin and field, as agent-api stores them. */
function sealPlugins(agentId: string, plugins: PluginsConfig, ring: KeyRing): PluginsConfig {
  const current = ring.current;
  const sealed: PluginsConfig = {};
  for (const [pluginType, config] of Object.entries(plugins)) {
    const out = { ...config };
    for (const field of isPluginType(pluginType) ? secretFieldsOf(pluginType) : []) {
      const value = config[field];
      if (typeof value !== 'string') continue;
      if (!current) throw new ImportError(ImportErrorCode.NewKeyMissing, 'VOXBRIDGE_ENCRYPTION_KEY is not set; plugin secrets cannot be stored');
      out[field] = encryptField(value, current, { agentId, pluginType, field });
    }
    sealed[pluginType] = out;
  }
  return sealed;
}

async function upsert<T extends object>(client: Client, table: string, columns: ReadonlyArray<keyof T & string>, row: T): Promise<void> {
  const names = columns.map((column) => `"${column}"`);
  const values = columns.map((column) => (JSON_COLUMNS.has(column) ? JSON.stringify(row[column]) : row[column]));
  const placeholders = columns.map((column, index) => `$${index + 1}${JSON_COLUMNS.has(column) ? '::jsonb' : ''}`);
  const updates = names.filter((name) => name !== '"id"').map((name) => `${name} = excluded.${name}`);
  await client.query(
    `insert into ${table} (${names.join(', ')}) values (${placeholders.join(', ')}) on conflict ("id") do update set ${updates.join(', ')}`,
    values,
  );
}
