import { SERVICES } from '@voxbridge/contracts';
import type { ServiceSchema } from '@voxbridge/persistence';
import { InitSessionStoreSchema1764028800000 } from './migrations/1764028800000-init-schema';

/** What session-store keeps in Postgres. Migrations in order; `npm run migrate` finds this file by its path. */
export const serviceSchema: ServiceSchema = {
  service: 'session-store',
  schema: SERVICES['session-store'].schema,
  migrations: [InitSessionStoreSchema1764028800000],
  entities: [],
};
