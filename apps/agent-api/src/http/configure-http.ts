import type { INestApplication } from '@nestjs/common';
import type { AgentApiEnv } from '../config/agent-api.env';
import { setUpOpenApi } from './openapi';

/** agent-api's HTTP extras, applied by the platform before it listens (also in tests). */
export function configureHttp(app: INestApplication, _config: AgentApiEnv): void {
  setUpOpenApi(app);
}
