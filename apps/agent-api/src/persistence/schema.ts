import { SERVICES } from '@voxbridge/contracts';
import type { ServiceSchema } from '@voxbridge/persistence';
import { AgentEntity } from '../agents/agent.entity';
import { ApiKeyEntity } from '../auth/api-key.entity';
import { InitAgentApiSchema1764028800000 } from './migrations/1764028800000-init-schema';
import { AddApiKeys1795573902816 } from './migrations/1795573902816-add-api-keys';
import { AddAgents1795574008396 } from './migrations/1795574008396-add-agents';
import { AgentsAutoProviders1795581451054 } from './migrations/1795581451054-agents-auto-providers';
import { ApiKeyRateLimits1796400000000 } from './migrations/1796400000000-api-key-rate-limits';
import { AgentDeadlines1796500000000 } from './migrations/1796500000000-agent-deadlines';

/** What agent-api keeps in Postgres. Migrations in order; `npm run migrate` finds this file by its path. */
export const serviceSchema: ServiceSchema = {
  service: 'agent-api',
  schema: SERVICES['agent-api'].schema,
  migrations: [InitAgentApiSchema1764028800000, AddApiKeys1795573902816, AddAgents1795574008396, AgentsAutoProviders1795581451054, ApiKeyRateLimits1796400000000, AgentDeadlines1796500000000],
  entities: [ApiKeyEntity, AgentEntity],
};
