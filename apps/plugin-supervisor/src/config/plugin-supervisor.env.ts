import { SERVICES } from '@voxbridge/contracts';
import { DatabaseServiceEnv } from '@voxbridge/platform';

/** Environment of plugin-supervisor (see apps/plugin-supervisor/README.md). */
export class PluginSupervisorEnv extends DatabaseServiceEnv {
  override HTTP_PORT = SERVICES['plugin-supervisor'].defaultPort;
}
