import { SERVICES } from '@voxbridge/contracts';
import { DatabaseServiceEnv } from '@voxbridge/platform';

/** Environment of session-store (see apps/session-store/README.md). */
export class SessionStoreEnv extends DatabaseServiceEnv {
  override HTTP_PORT = SERVICES['session-store'].defaultPort;
}
