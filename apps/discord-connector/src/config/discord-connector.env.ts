import { SERVICES } from '@voxbridge/contracts';
import { DatabaseServiceEnv } from '@voxbridge/platform';

/** Environment of discord-connector (see apps/discord-connector/README.md). */
export class DiscordConnectorEnv extends DatabaseServiceEnv {
  override HTTP_PORT = SERVICES['discord-connector'].defaultPort;
}
