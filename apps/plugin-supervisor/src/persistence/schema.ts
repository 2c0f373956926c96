import { SERVICES } from '@voxbridge/contracts';
import type { ServiceSchema } from '@voxbridge/persistence';
import { InitPluginSupervisorSchema1764028800000 } from './migrations/1764028800000-init-schema';
import { PluginRuns1764950000000 } from './migrations/1764950000000-plugin-runs';

/** What plugin-supervisor keeps in Postgres. Migrations in order; `npm run migrate` finds this file by its path. */
export const serviceSchema: ServiceSchema = {
  service: 'plugin-supervisor',
  schema: SERVICES['plugin-supervisor'].schema,
  migrations: [InitPluginSupervisorSchema1764028800000, PluginRuns1764950000000],
  entities: [],
};
