import { Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import { AgentEntity } from './agent.entity';
import type { AgentFields } from './agent.model';
import { AgentsError, AgentsErrorCode } from './agents.errors';

const UNIQUE_VIOLATION = '23505';
const SEED_MARKER = 'agents-v1';
/** Serialises every change of the default agent (pg_advisory_xact_lock key, "vbagdef"). */
const DEFAULT_AGENT_LOCK = 0x7662_6167_6465_66n;

function uniqueViolation(error: unknown): string | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code === UNIQUE_VIOLATION ? (driverError.constraint ?? 'unknown') : undefined;
}

/** Transaction-scoped operations on one agent row (see AgentsRepository.inTransaction). */
export interface AgentsTx {
  lockById(id: string): Promise<AgentEntity | null>;
  insert(id: string | undefined, fields: AgentFields): Promise<AgentEntity>;
  save(agent: AgentEntity): Promise<AgentEntity>;
  /**
   * Serialises changes of the default agent until the transaction ends. Take it before any row
   * lock, so two set-default calls can neither deadlock nor both win.
   */
  lockDefaultAgent(): Promise<void>;
  /** Unsets every default but `id` (after lockDefaultAgent); the ids it unset. */
  clearDefaultExcept(id: string): Promise<string[]>;
  /** Deletes the agent; whether it was the default, or null when there was no such agent. */
  remove(id: string): Promise<{ wasDefault: boolean } | null>;
  /** When no agent is the default (after lockDefaultAgent), makes the oldest one it; its id, if any. */
  promoteOldestToDefault(): Promise<string | undefined>;
}

/** TypeORM access to `agent_api.agents`; maps unique violations to AgentsError. */
@Injectable()
export class AgentsRepository {
  constructor(private readonly dataSource: DataSource) {}

  list(): Promise<AgentEntity[]> {
    return this.dataSource.getRepository(AgentEntity).find({ order: { created_at: 'ASC', id: 'ASC' } });
  }

  findById(id: string): Promise<AgentEntity | null> {
    return this.dataSource.getRepository(AgentEntity).findOneBy({ id });
  }

  /** Runs `work` in one transaction; a duplicate name becomes `name_taken`. */
  async inTransaction<T>(work: (tx: AgentsTx) => Promise<T>): Promise<T> {
    try {
      return await this.dataSource.transaction((manager) => work(this.tx(manager)));
    } catch (error) {
      const constraint = uniqueViolation(error);
      if (constraint === 'agents_name_unique') {
        throw new AgentsError(AgentsErrorCode.NameTaken, 'an agent with this name exists', { name: ['is already taken'] });
      }
      throw error;
    }
  }

  /** Deletes the agent; false when it did not exist. */
  /**
   * Inserts the seed agents once per database: the marker row decides, so deleting every agent
   * never brings them back. A second replica blocks on the marker's key, then inserts nothing.
   */
  seedOnce(agents: Array<{ id: string; fields: AgentFields }>): Promise<AgentEntity[]> {
    return this.dataSource.transaction(async (manager) => {
      const marked: unknown[] = await manager.query(
        'insert into "agent_api"."seed_runs" ("name") values ($1) on conflict do nothing returning "name"',
        [SEED_MARKER],
      );
      if (marked.length === 0) return [];
      const tx = this.tx(manager);
      await tx.lockDefaultAgent();
      const hasDefault = await manager.getRepository(AgentEntity).existsBy({ is_default: true });
      const inserted: AgentEntity[] = [];
      for (const { id, fields } of agents) {
        const taken = await manager
          .getRepository(AgentEntity)
          .createQueryBuilder('agent')
          .where('agent.id = :id or lower(agent.name) = lower(:name)', { id, name: fields.name })
          .getExists();
        if (!taken) inserted.push(await tx.insert(id, { ...fields, is_default: fields.is_default && !hasDefault }));
      }
      return inserted;
    });
  }

  private tx(manager: EntityManager): AgentsTx {
    const repository = manager.getRepository(AgentEntity);
    return {
      lockById: (id) => repository.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } }),
      insert: async (id, fields) => {
        const saved = await repository.save(repository.create({ ...fields, ...(id ? { id } : {}) }));
        // Reload: the database fills created_at / updated_at and normalises values.
        return repository.findOneByOrFail({ id: saved.id });
      },
      save: async (agent) => {
        await repository.save(agent);
        return repository.findOneByOrFail({ id: agent.id });
      },
      lockDefaultAgent: async () => {
        await manager.query('select pg_advisory_xact_lock($1)', [DEFAULT_AGENT_LOCK.toString()]);
      },
      clearDefaultExcept: async (id) => {
        const [rows] = (await manager.query(
          'update "agent_api"."agents" set "is_default" = false, "updated_at" = now() where "is_default" and "id" <> $1 returning "id"',
          [id],
        )) as [Array<{ id: string }>, number];
        return rows.map((row) => row.id);
      },
      remove: async (id) => {
        const [rows] = (await manager.query('delete from "agent_api"."agents" where "id" = $1 returning "is_default"', [id])) as [Array<{ is_default: boolean }>, number];
        return rows[0] ? { wasDefault: rows[0].is_default } : null;
      },
      promoteOldestToDefault: async () => {
        const [rows] = (await manager.query(
          `update "agent_api"."agents" set "is_default" = true, "updated_at" = now()
           where "id" = (select "id" from "agent_api"."agents" order by "created_at", "id" limit 1)
             and not exists (select 1 from "agent_api"."agents" where "is_default")
           returning "id"`,
        )) as [Array<{ id: string }>, number];
        return rows[0]?.id;
      },
    };
  }
}
