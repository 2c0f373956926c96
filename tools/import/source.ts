import { Client } from 'pg';
import { ImportError, ImportErrorCode } from './import.errors';

export type Row = Record<string, unknown>;

/** What the import needs of a VoxBridge 2.0 database; any other column is optional (older revisions lack some). */
const REQUIRED: Record<string, readonly string[]> = {
  agents: ['id', 'name', 'system_prompt', 'llm_provider', 'llm_model'],
  sessions: ['id', 'user_id', 'agent_id'],
  conversations: ['id', 'session_id', 'role', 'content'],
};

/** Tables of the original the fleet has no home for yet, with the column that names a row in the report. */
export const UNMAPPED_TABLES: ReadonlyArray<{ table: string; label: string; key: string }> = [
  { table: 'users', label: 'users (accounts)', key: 'id' },
  { table: 'user_facts', label: 'memory facts (user_facts)', key: 'id' },
  { table: 'user_memories', label: 'memory vectors (user_memories, Mem0)', key: 'id' },
  { table: 'extraction_tasks', label: 'memory extraction tasks', key: 'id' },
  { table: 'user_agent_memory_settings', label: 'per-user agent memory settings', key: 'id' },
  { table: 'llm_providers', label: 'LLM provider records (llm_providers)', key: 'name' },
  { table: 'system_settings', label: 'system settings', key: 'setting_key' },
];

export interface SourceSnapshot {
  agents: Row[];
  sessions: Row[];
  conversations: Row[];
  /** `llm_providers` rows by id, for agents that name one (empty when the table is absent). */
  llmProviders: Map<string, Row>;
  /** Per unmapped table present in the source: every row's key, in order. */
  unmappedTables: Array<{ table: string; label: string; keys: string[] }>;
}

/** Reads everything the import maps (and lists what it cannot) in one repeatable-read snapshot. */
export async function readSource(url: string): Promise<SourceSnapshot> {
  const client = new Client({ connectionString: url, application_name: 'voxbridge-import', connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw new ImportError(ImportErrorCode.SourceUnreachable, `cannot connect to the VoxBridge 2.0 database (--from): ${messageOf(error)}`, { cause: error });
  }
  try {
    await client.query('begin transaction isolation level repeatable read read only');
    const columns = await columnsByTable(client);
    const problems: string[] = [];
    for (const [table, needed] of Object.entries(REQUIRED)) {
      const have = columns.get(table);
      if (!have) {
        problems.push(`table ${table} is missing`);
        continue;
      }
      const missing = needed.filter((column) => !have.has(column));
      if (missing.length) problems.push(`table ${table} lacks column(s) ${missing.join(', ')}`);
    }
    if (problems.length) {
      throw new ImportError(ImportErrorCode.SourceSchema, `the --from database is not a VoxBridge 2.0 database: ${problems.join('; ')}`);
    }
    const agents = (await client.query<Row>('select * from "agents" order by "id"')).rows;
    const sessions = (await client.query<Row>('select * from "sessions" order by "id"')).rows;
    const conversations = (await client.query<Row>('select * from "conversations" order by "id"')).rows;
    const llmProviders = new Map<string, Row>();
    if (columns.get('llm_providers')?.has('id')) {
      for (const row of (await client.query<Row>('select "id", "name", "provider_type", "base_url" from "llm_providers"')).rows) {
        llmProviders.set(String(row['id']), row);
      }
    }
    const unmappedTables: SourceSnapshot['unmappedTables'] = [];
    for (const { table, label, key } of UNMAPPED_TABLES) {
      const have = columns.get(table);
      if (!have) continue;
      const keyColumn = have.has(key) ? key : have.has('id') ? 'id' : undefined;
      const { rows } = keyColumn
        ? await client.query<{ key: unknown }>(`select ${quote(keyColumn)}::text as "key" from ${quote(table)} order by 1`)
        : await client.query<{ key: unknown }>(`select '?' as "key" from ${quote(table)}`);
      unmappedTables.push({ table, label, keys: rows.map((row) => String(row.key)) });
    }
    await client.query('commit');
    return { agents, sessions, conversations, llmProviders, unmappedTables };
  } catch (error) {
    if (error instanceof ImportError) throw error;
    throw new ImportError(ImportErrorCode.SourceUnreachable, `reading the VoxBridge 2.0 database failed: ${messageOf(error)}`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function columnsByTable(client: Client): Promise<Map<string, Set<string>>> {
  const { rows } = await client.query<{ table_name: string; column_name: string }>(
    `select "table_name", "column_name" from information_schema.columns where "table_schema" = current_schema()`,
  );
  const byTable = new Map<string, Set<string>>();
  for (const { table_name, column_name } of rows) {
    const set = byTable.get(table_name) ?? new Set<string>();
    set.add(column_name);
    byTable.set(table_name, set);
  }
  return byTable;
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

export function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length) return messageOf(error.errors[0]);
  return error instanceof Error ? error.message || error.name : String(error);
}
