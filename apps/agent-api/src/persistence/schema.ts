import { SERVICES } from '@voxbridge/contracts';
import type { ServiceSchema } from '@voxbridge/persistence';
import { InitAgentApiSchema1764028800000 } from './migrations/1764028800000-init-schema';

/** What agent-api keeps in Postgres. Migrations in order; `npm run migrate` finds this file by its path. */
export const serviceSchema: ServiceSchema = {
  service: 'agent-api',
  schema: SERVICES['agent-api'].schema,
  migrations: [InitAgentApiSchema1764028800000],
  entities: [],
};
