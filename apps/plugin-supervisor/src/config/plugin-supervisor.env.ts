import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { SERVICES } from '@voxbridge/contracts';
import { DatabaseServiceEnv, EncryptionKey, EncryptionOldKeys } from '@voxbridge/platform';


/** Environment of plugin-supervisor (see apps/plugin-supervisor/README.md). */
export class PluginSupervisorEnv extends DatabaseServiceEnv {
  override HTTP_PORT = SERVICES['plugin-supervisor'].defaultPort;

  /** The fleet's key for plugin secrets: decrypted here and handed to the one child that needs them. */
  @EncryptionKey()
  VOXBRIDGE_ENCRYPTION_KEY?: string;

  @EncryptionOldKeys()
  VOXBRIDGE_ENCRYPTION_OLD_KEYS?: string;

  /** Third-party plugins: `type=module` pairs, comma-separated; a module is a package name or a folder path. */
  @IsOptional()
  @Matches(/^[a-z][a-z0-9-]{0,39}=[^,=]+(,[a-z][a-z0-9-]{0,39}=[^,=]+)*$/, { message: 'must be comma-separated type=module pairs' })
  PLUGIN_MODULES?: string;

  /** A plugin's lease: a dead replica's plugins start elsewhere within about a third of it. */
  @Type(() => Number) @IsInt() @Min(1_000) @Max(120_000) PLUGIN_LEASE_MS = 6_000;

  /** How often the whole list is read again from agent-api (events apply at once). */
  @Type(() => Number) @IsInt() @Min(1_000) @Max(3_600_000) PLUGIN_RESYNC_MS = 60_000;

  /** Default CPU limit per plugin, percent of one core. */
  @Type(() => Number) @IsInt() @Min(1) @Max(1_600) PLUGIN_CPU_LIMIT_PERCENT = 50;

  /** Default resident memory limit per plugin. */
  @Type(() => Number) @IsInt() @Min(16) @Max(65_536) PLUGIN_RSS_LIMIT_MB = 500;

  /** How often each plugin process is measured; three consecutive samples over a limit stop it. */
  @Type(() => Number) @IsInt() @Min(100) @Max(60_000) PLUGIN_SAMPLE_MS = 5_000;

  /** A hook that has not returned by then is timed out (the next hook is not held up). */
  @Type(() => Number) @IsInt() @Min(50) @Max(120_000) PLUGIN_HOOK_TIMEOUT_MS = 5_000;

  /** Hooks waiting per plugin; more are dropped and counted. */
  @Type(() => Number) @IsInt() @Min(1) @Max(100_000) PLUGIN_HOOK_QUEUE_MAX = 1_000;

  /** First restart delay after a crash; doubles per crash up to PLUGIN_RESTART_MAX_MS. */
  @Type(() => Number) @IsInt() @Min(10) @Max(600_000) PLUGIN_RESTART_BASE_MS = 1_000;

  @Type(() => Number) @IsInt() @Min(10) @Max(3_600_000) PLUGIN_RESTART_MAX_MS = 60_000;

  /** This many crashes within PLUGIN_CRASH_WINDOW_MS: a crash loop, the plugin is marked failed. */
  @Type(() => Number) @IsInt() @Min(1) @Max(100) PLUGIN_CRASH_LOOP_CRASHES = 5;

  @Type(() => Number) @IsInt() @Min(1_000) @Max(86_400_000) PLUGIN_CRASH_WINDOW_MS = 300_000;
}
