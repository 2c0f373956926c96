export enum PersistenceErrorCode {
  InvalidDatabaseUrl = 'invalid_database_url',
  DatabaseUnreachable = 'database_unreachable',
  InvalidServiceSchema = 'invalid_service_schema',
  MigrationFailed = 'migration_failed',
  NotInitialized = 'not_initialized',
  Timeout = 'timeout',
}

/** Failures of the persistence layer. Messages never contain a database password. */
export class PersistenceError extends Error {
  constructor(
    readonly code: PersistenceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PersistenceError';
  }
}
