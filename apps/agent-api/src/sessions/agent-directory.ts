import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * Whether an agent exists, asked of agent-api's own `agent_api.agents` table. Kept to one raw query
 * so sessions does not reach into the agents feature's entity.
 */
@Injectable()
export class AgentDirectory {
  constructor(private readonly dataSource: DataSource) {}

  async exists(agentId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query('select 1 from agent_api.agents where id = $1', [agentId]);
    return rows.length > 0;
  }

  /** The agent's name; null when it no longer exists. */
  async name(agentId: string): Promise<string | null> {
    const rows: Array<{ name: string }> = await this.dataSource.query('select name from agent_api.agents where id = $1', [agentId]);
    return rows[0]?.name ?? null;
  }
}
