import { isPlainObject, reencryptPlugins, type KeyRing, type PluginsConfig, type ReencryptCounts } from '@voxbridge/plugin-sdk';
import { Client } from 'pg';

export interface AgentReencryptReport {
  agentId: string;
  name: string;
  /** Per plugin type that had (or, on a dry run, would have) secrets moved under the current key. */
  changes: Record<string, ReencryptCounts>;
}

export interface ReencryptOptions {
  /** Write the changes; without it nothing is written (dry run). */
  apply: boolean;
}

/**
 * Moves every plugin secret of every agent under the current key: ciphertext under an old key id
 * is re-encrypted, plaintext (from an import) encrypted. One transaction per agent, with its row
 * locked, so a running agent-api can keep serving. Idempotent. Reports counts, never values.
 */
export async function reencryptAgents(databaseUrl: string, ring: KeyRing, options: ReencryptOptions): Promise<AgentReencryptReport[]> {
  const client = new Client({ connectionString: databaseUrl, application_name: 'voxbridge-secrets' });
  await client.connect();
  const reports: AgentReencryptReport[] = [];
  try {
    const { rows: ids } = await client.query<{ id: string }>('select "id" from "agent_api"."agents" order by "created_at", "id"');
    for (const { id } of ids) {
      await client.query('begin');
      try {
        const { rows } = await client.query<{ name: string; plugins: unknown }>(
          'select "name", "plugins" from "agent_api"."agents" where "id" = $1 for update',
          [id],
        );
        const row = rows[0];
        const stored = row && isPlainObject(row.plugins) ? (row.plugins as PluginsConfig) : undefined;
        const result = stored ? reencryptPlugins(id, stored, ring) : undefined;
        if (row && result && Object.keys(result.changes).length > 0) {
          reports.push({ agentId: id, name: row.name, changes: result.changes });
          if (options.apply) {
            await client.query('update "agent_api"."agents" set "plugins" = $2 where "id" = $1', [id, JSON.stringify(result.plugins)]);
          }
        }
        await client.query(options.apply ? 'commit' : 'rollback');
      } catch (error) {
        await client.query('rollback');
        throw error;
      }
    }
  } finally {
    await client.end();
  }
  return reports;
}
