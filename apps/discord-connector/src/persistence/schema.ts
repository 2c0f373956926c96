import { SERVICES } from '@voxbridge/contracts';
import type { ServiceSchema } from '@voxbridge/persistence';
import { InitDiscordConnectorSchema1764028800000 } from './migrations/1764028800000-init-schema';

/** What discord-connector keeps in Postgres. Migrations in order; `npm run migrate` finds this file by its path. */
export const serviceSchema: ServiceSchema = {
  service: 'discord-connector',
  schema: SERVICES['discord-connector'].schema,
  migrations: [InitDiscordConnectorSchema1764028800000],
  entities: [],
};
