import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ApiKeyEntity } from './api-key.entity';
import type { ApiKeyMetadata, ApiKeyRole, KeyRateLimit, Principal } from './principal';

/** Serialises "is there any key / the last admin key?" decisions across replicas (pg_advisory_xact_lock). */
const API_KEYS_LOCK = 0x766b5f6b657973n; // "vk_keys"

export interface NewApiKey {
  name: string;
  role: ApiKeyRole;
  keyHash: string;
  prefix: string;
  rateLimit?: KeyRateLimit;
}

export type RevokeOutcome = { kind: 'revoked'; keyHash: string } | { kind: 'already_revoked' } | { kind: 'not_found' } | { kind: 'last_admin' };

const rateLimitOf = (row: ApiKeyEntity): KeyRateLimit => ({ perSecond: row.rateLimitPerSecond, burst: row.rateLimitBurst });
const principalOf = (row: ApiKeyEntity): Principal => ({ keyId: row.id, name: row.name, role: row.role, prefix: row.prefix, rateLimit: rateLimitOf(row) });

function metadataOf(row: ApiKeyEntity): ApiKeyMetadata {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    prefix: row.prefix,
    rateLimit: rateLimitOf(row),
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}

/** `agent_api.api_keys`. Hashes go in and stay in: nothing it returns carries one (but revoke, for the cache). */
@Injectable()
export class ApiKeyRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(key: NewApiKey): Promise<ApiKeyMetadata> {
    const repository = this.dataSource.getRepository(ApiKeyEntity);
    const { rateLimit, ...columns } = key;
    const saved = await repository.save(
      repository.create({ ...columns, rateLimitPerSecond: rateLimit?.perSecond ?? null, rateLimitBurst: rateLimit?.burst ?? null, lastUsedAt: null, revokedAt: null }),
    );
    return metadataOf(saved);
  }

  /** Inserts `key` only if the table is empty; true if it did. Safe with replicas booting at once. */
  insertIfNoKeyExists(key: NewApiKey): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      await this.lock(manager);
      const rows: unknown[] = await manager.query(
        `insert into "agent_api"."api_keys" ("name", "role", "key_hash", "prefix")
         select $1, $2, $3, $4 where not exists (select 1 from "agent_api"."api_keys")
         returning "id"`,
        [key.name, key.role, key.keyHash, key.prefix],
      );
      return rows.length === 1;
    });
  }

  async list(): Promise<ApiKeyMetadata[]> {
    const rows = await this.dataSource.getRepository(ApiKeyEntity).find({ order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map(metadataOf);
  }

  async findActiveByHash(keyHash: string): Promise<Principal | null> {
    const row = await this.dataSource
      .getRepository(ApiKeyEntity)
      .createQueryBuilder('key')
      .where('key.keyHash = :keyHash', { keyHash })
      .andWhere('key.revokedAt is null')
      .getOne();
    return row ? principalOf(row) : null;
  }

  /** An active key by id with its hash (for voice-token signatures only; never leaves agent-api). */
  async findActiveWithHashById(id: string): Promise<{ principal: Principal; keyHash: string } | null> {
    const row = await this.dataSource.getRepository(ApiKeyEntity).findOne({ where: { id } });
    if (!row || row.revokedAt) return null;
    return { principal: principalOf(row), keyHash: row.keyHash };
  }

  /** Sets last_used_at unless another request (or replica) did within the last minute. */
  async touch(id: string): Promise<void> {
    await this.dataSource.query(
      `update "agent_api"."api_keys" set "last_used_at" = now()
       where "id" = $1 and ("last_used_at" is null or "last_used_at" < now() - interval '1 minute')`,
      [id],
    );
  }

  /** Revokes a key, refusing to revoke the last active admin key (that would lock everyone out). */
  revoke(id: string): Promise<RevokeOutcome> {
    return this.dataSource.transaction(async (manager) => {
      await this.lock(manager);
      const row = await manager.getRepository(ApiKeyEntity).findOne({ where: { id } });
      if (!row) return { kind: 'not_found' };
      if (row.revokedAt) return { kind: 'already_revoked' };
      if (row.role === 'admin') {
        const active: Array<{ count: string }> = await manager.query(
          `select count(*) as "count" from "agent_api"."api_keys" where "role" = 'admin' and "revoked_at" is null`,
        );
        if (Number(active[0]?.count ?? 0) <= 1) return { kind: 'last_admin' };
      }
      await manager.query(`update "agent_api"."api_keys" set "revoked_at" = now() where "id" = $1`, [id]);
      return { kind: 'revoked', keyHash: row.keyHash };
    });
  }

  private async lock(manager: EntityManager): Promise<void> {
    await manager.query('select pg_advisory_xact_lock($1)', [API_KEYS_LOCK.toString()]);
  }
}
