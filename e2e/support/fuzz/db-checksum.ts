import { Client } from 'pg';

/**
 * Columns that legitimately change when a request is only read or refused, left out of the
 * checksum (schema.table.column):
 * - agent_api.api_keys.last_used_at: the guard stamps the key that made any request (at most
 *   once a minute, see ApiKeyView.last_used_at), whether the request then succeeds or is refused.
 *   Nothing else in the fleet writes on a read.
 */
export const VOLATILE_COLUMNS: readonly string[] = ['agent_api.api_keys.last_used_at'];

/** Schemas that are Postgres' own, not a service's. */
const SYSTEM_SCHEMAS = ['pg_catalog', 'information_schema', 'pg_toast'];

export type Snapshot = Map<string, { rows: number; md5: string }>;

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Row counts and an md5 of every row of every table in every service schema of the fleet's database. */
export class DatabaseChecksum {
  private constructor(private readonly client: Client) {}

  static async connect(databaseUrl: string): Promise<DatabaseChecksum> {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    return new DatabaseChecksum(client);
  }

  async close(): Promise<void> {
    await this.client.end();
  }

  /** The tables and their columns minus the volatile ones (read once: migrations run before the fleet is ready). */
  private query?: string;

  private async tables(): Promise<Map<string, string[]>> {
    const { rows } = await this.client.query<{ table_schema: string; table_name: string; column_name: string }>(
      `select c.table_schema, c.table_name, c.column_name
         from information_schema.columns c
         join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
        where t.table_type = 'BASE TABLE' and c.table_schema <> all($1::text[]) and c.table_schema not like 'pg_temp%'
        order by c.table_schema, c.table_name, c.ordinal_position`,
      [SYSTEM_SCHEMAS],
    );
    const tables = new Map<string, string[]>();
    for (const row of rows) {
      const table = `${row.table_schema}.${row.table_name}`;
      const columns = tables.get(table) ?? [];
      if (!VOLATILE_COLUMNS.includes(`${table}.${row.column_name}`)) columns.push(row.column_name);
      tables.set(table, columns);
    }
    return tables;
  }

  /** One statement for every table (one round trip per snapshot: the suite takes hundreds). */
  private async snapshotQuery(): Promise<string> {
    if (this.query) return this.query;
    const parts: string[] = [];
    for (const [table, columns] of await this.tables()) {
      const [schema = '', name = ''] = table.split('.');
      const list = columns.map(quote).join(', ');
      parts.push(
        `select ${literal(table)} as name, count(*)::text as rows, md5(coalesce(string_agg(r, E'\\n' order by r), '')) as md5
           from (select (${list ? `row(${list})` : 'row()'})::text as r from ${quote(schema)}.${quote(name)}) t`,
      );
    }
    if (parts.length === 0) throw new Error('the fleet database has no service tables: is DATABASE_URL the fleet\'s?');
    this.query = parts.join('\nunion all\n');
    return this.query;
  }

  async snapshot(): Promise<Snapshot> {
    const snapshot: Snapshot = new Map();
    const { rows } = await this.client.query<{ name: string; rows: string; md5: string | null }>(await this.snapshotQuery());
    for (const row of rows) snapshot.set(row.name, { rows: Number(row.rows), md5: row.md5 ?? '' });
    return snapshot;
  }
}

/** Tables whose count or checksum differ, described (`session_store.sessions: rows 3 → 4`). */
export function differences(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  for (const table of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(table);
    const b = after.get(table);
    if (!a || !b) out.push(`${table}: ${a ? 'dropped' : 'created'}`);
    else if (a.rows !== b.rows) out.push(`${table}: rows ${a.rows} → ${b.rows}`);
    else if (a.md5 !== b.md5) out.push(`${table}: contents changed (rows ${a.rows})`);
  }
  return out;
}
