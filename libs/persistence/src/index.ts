export { createDataSource, dataSourceOptions, type DataSourceTuning } from './data-source';
export { asDatabaseOutage, databaseOutageReason, DatabaseUnavailableError } from './database-outage';
export { databaseNameOf, redactDatabaseUrl, redactSecrets } from './database-url';
export { discoverServiceSchemas, type DiscoverOptions } from './discover-schemas';
export { ensureDatabase } from './ensure-database';
export { PersistenceError, PersistenceErrorCode } from './persistence.errors';
export { pingDatabase } from './ping-database';
export { MIGRATION_LOCK_KEY, runMigrations, type MigrationLog, type SchemaMigrationResult } from './run-migrations';
export { parseServiceSchema, type EntityClass, type MigrationClass, type ServiceSchema } from './service-schema';
