import { Client, DatabaseError } from 'pg';
import { databaseNameOf, redactSecrets, withDatabase } from './database-url';
import { PersistenceError, PersistenceErrorCode } from './persistence.errors';
import { quoteIdentifier } from './service-schema';

const INVALID_CATALOG_NAME = '3D000';
const DUPLICATE_DATABASE = '42P04';
const UNIQUE_VIOLATION = '23505';
const MAINTENANCE_DATABASE = 'postgres';

/**
 * Creates the database named in `url` when it does not exist. Tries the database itself first (so
 * an existing one needs no access to the maintenance database), then creates it from the `postgres`
 * maintenance database on the same server. Losing a race to another creator is fine.
 * Resolves `{created}`: whether this call created it.
 */
export async function ensureDatabase(url: string): Promise<{ created: boolean }> {
  const name = databaseNameOf(url);
  if (await canConnect(url)) return { created: false };
  const maintenance = new Client({ connectionString: withDatabase(url, MAINTENANCE_DATABASE), application_name: 'voxbridge-migrate' });
  try {
    await maintenance.connect();
  } catch (error) {
    throw unreachable(error, url);
  }
  try {
    await maintenance.query(`create database ${quoteIdentifier(name)}`);
    return { created: true };
  } catch (error) {
    // 42P04 when the other creator committed first; 23505 when both were inside pg_database at once.
    if (error instanceof DatabaseError && (error.code === DUPLICATE_DATABASE || error.code === UNIQUE_VIOLATION)) {
      return { created: false };
    }
    throw new PersistenceError(PersistenceErrorCode.DatabaseUnreachable, `cannot create database ${name}: ${redactSecrets(messageOf(error), url)}`, {
      cause: error,
    });
  } finally {
    await maintenance.end();
  }
}

/** True when the database answers; false when it does not exist; throws on any other failure. */
async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, application_name: 'voxbridge-migrate' });
  try {
    await client.connect();
    return true;
  } catch (error) {
    if (error instanceof DatabaseError && error.code === INVALID_CATALOG_NAME) return false;
    throw unreachable(error, url);
  } finally {
    await client.end();
  }
}

function unreachable(error: unknown, url: string): PersistenceError {
  return new PersistenceError(PersistenceErrorCode.DatabaseUnreachable, `cannot connect to the database server: ${redactSecrets(messageOf(error), url)}`, {
    cause: error,
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
