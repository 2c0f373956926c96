import type { DataSource } from 'typeorm';
import { PersistenceError, PersistenceErrorCode } from './persistence.errors';

/** Resolves when the database answers `select 1` within `timeoutMs` (a readiness check); rejects otherwise. */
export async function pingDatabase(dataSource: DataSource, timeoutMs: number): Promise<void> {
  if (!dataSource.isInitialized) {
    throw new PersistenceError(PersistenceErrorCode.NotInitialized, 'data source is not initialized');
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new PersistenceError(PersistenceErrorCode.Timeout, `database did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([dataSource.query('select 1'), timeout]);
  } catch (error) {
    if (error instanceof PersistenceError) throw error;
    throw new PersistenceError(PersistenceErrorCode.DatabaseUnreachable, `database ping failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}
