import { SERVICES } from '@voxbridge/contracts';
import { DatabaseServiceEnv } from '@voxbridge/platform';

/** Environment of llm-router (see apps/llm-router/README.md). */
export class LlmRouterEnv extends DatabaseServiceEnv {
  override HTTP_PORT = SERVICES['llm-router'].defaultPort;
}
