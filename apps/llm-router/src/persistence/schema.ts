import { SERVICES } from '@voxbridge/contracts';
import type { ServiceSchema } from '@voxbridge/persistence';
import { InitLlmRouterSchema1764028800000 } from './migrations/1764028800000-init-schema';

/** What llm-router keeps in Postgres. Migrations in order; `npm run migrate` finds this file by its path. */
export const serviceSchema: ServiceSchema = {
  service: 'llm-router',
  schema: SERVICES['llm-router'].schema,
  migrations: [InitLlmRouterSchema1764028800000],
  entities: [],
};
