import type { MigrationInterface } from 'typeorm';
import { PersistenceError, PersistenceErrorCode } from './persistence.errors';

/** A migration class as TypeORM loads it (name ends with a 13-digit JS timestamp). */
export type MigrationClass = new () => MigrationInterface;
/** A TypeORM entity class. */
export type EntityClass = new () => object;

/**
 * What a stateful service declares about its database: the schema it owns, its migrations in
 * order, its entities. Each app exports one as `serviceSchema` from `src/persistence/schema.ts`.
 */
export interface ServiceSchema {
  /** Service name, as in `SERVICES` of `@voxbridge/contracts`. */
  service: string;
  /** Postgres schema the service owns; its `migrations` table lives in it too. */
  schema: string;
  migrations: MigrationClass[];
  entities: EntityClass[];
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Checks a value loaded at runtime (a compiled `schema.js`) before trusting it as a ServiceSchema. */
export function parseServiceSchema(value: unknown, source: string): ServiceSchema {
  const fail = (why: string) =>
    new PersistenceError(PersistenceErrorCode.InvalidServiceSchema, `${source}: serviceSchema ${why}`);
  if (typeof value !== 'object' || value === null) throw fail('is missing or not an object');
  const candidate = value as Record<string, unknown>;
  const { service, schema, migrations, entities } = candidate;
  if (typeof service !== 'string' || !service) throw fail('.service must be a non-empty string');
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw fail('.schema must be a lower-case Postgres identifier (a-z, 0-9, _)');
  }
  if (!Array.isArray(migrations) || !migrations.every((item) => typeof item === 'function')) {
    throw fail('.migrations must be an array of migration classes');
  }
  if (!Array.isArray(entities) || !entities.every((item) => typeof item === 'function')) {
    throw fail('.entities must be an array of entity classes');
  }
  return value as ServiceSchema;
}

/** Double-quoted Postgres identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
