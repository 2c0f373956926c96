import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsNumber, IsObject, IsOptional, IsString, IsUUID, Matches, Min, ValidateNested } from 'class-validator';
import { requestContract } from './contract';
import { controlSubject, eventSubject } from './subjects';

/**
 * Generic plugins (n8n, webhooks, third-party; discord's bots are discord-connector's): agent-api
 * lists each agent's enabled plugins with their secrets still encrypted
 * (`agents.v1.plugin-config.list`); plugin-supervisor runs them and answers for them
 * (`plugins.v1.runtime.list`, `plugins.v1.plugin.control`, every replica for the plugins it holds).
 */
export const PLUGINS_DOMAIN = 'plugins';

/** A plugin type as a subject-safe, lowercase word. */
export const PLUGIN_TYPE = /^[a-z][a-z0-9-]{0,39}$/;

export const PluginSubjects = {
  /** agent-api: every enabled generic plugin of every agent (or of one), secrets as stored. */
  configs: controlSubject('agents', 'plugin-config', 'list'),
  /** Every supervisor replica answers with the plugins it holds (scatter-gather). */
  runtime: controlSubject(PLUGINS_DOMAIN, 'runtime', 'list'),
  /** Every replica hears it; the one holding the plugin acts and says so (scatter-gather). */
  control: controlSubject(PLUGINS_DOMAIN, 'plugin', 'control'),
  /** A plugin stopped by its limits, a crash loop, or an operator: why. */
  stopped: eventSubject(PLUGINS_DOMAIN, 'plugin', 'stopped'),
} as const;

export const PLUGIN_SECRET_PROBLEMS = ['not_encrypted'] as const;

/** One enabled plugin of one agent, as agent-api stores it. */
export class PluginConfigEntry {
  @IsUUID() agent_id!: string;
  @IsString() agent_name!: string;
  @Matches(PLUGIN_TYPE) plugin_type!: string;
  /** Changes whenever the agent changes: the plugin restarts when it does. */
  @IsString() updated_at!: string;
  /** The non-secret fields (`enabled` and `limits` included). */
  @IsObject() settings!: Record<string, unknown>;
  /** Secret field → ciphertext exactly as stored (libs/plugin-sdk `EncryptedField`); never plaintext. */
  @IsObject() secrets!: Record<string, unknown>;
  /** Secret fields that are stored in plaintext (an import): not sent, the plugin starts without them. */
  @IsOptional() @IsArray() @IsString({ each: true }) unencrypted_secrets?: string[];
}

export class PluginConfigsRequest {
  @IsOptional() @IsUUID() agent_id?: string;
}

export class PluginConfigsReply {
  @IsArray() @ValidateNested({ each: true }) @Type(() => PluginConfigEntry) plugins!: PluginConfigEntry[];
}

export const PLUGIN_RUN_STATES = ['starting', 'running', 'backoff', 'stopped', 'failed', 'limit_exceeded'] as const;
export type PluginRunState = (typeof PLUGIN_RUN_STATES)[number];

export class PluginLimitsDto {
  /** Percent of one core. */
  @IsNumber() @Min(1) cpu_percent!: number;
  @IsInt() @Min(1) rss_bytes!: number;
}

export class PluginHealthDto {
  @IsIn(['ok', 'degraded', 'failing']) state!: 'ok' | 'degraded' | 'failing';
  @IsOptional() @IsString() detail?: string;
  @IsOptional() @IsObject() counters?: Record<string, number>;
}

/** One plugin as the replica running it sees it, with figures measured from the OS for its process. */
export class PluginRuntimeDto {
  @IsUUID() agent_id!: string;
  @Matches(PLUGIN_TYPE) plugin_type!: string;
  @IsUUID() instance_id!: string;
  @IsIn(PLUGIN_RUN_STATES) state!: PluginRunState;
  /** Why it is stopped, failed or over its limits (static text). */
  @IsOptional() @IsString() reason?: string;
  @IsOptional() @IsString() last_error?: string;
  @IsOptional() @IsInt() pid?: number;
  @IsOptional() @IsString() started_at?: string;
  @IsInt() @Min(0) uptime_ms!: number;
  @IsInt() @Min(0) restarts!: number;
  /** Consecutive samples over a limit now; three stop the plugin. */
  @IsInt() @Min(0) consecutive_violations!: number;
  @IsInt() @Min(0) violations!: number;
  @IsInt() @Min(0) hook_timeouts!: number;
  /** Hooks dropped because the plugin's queue was full. */
  @IsInt() @Min(0) hooks_dropped!: number;
  @IsOptional() @IsNumber() cpu_percent?: number;
  @IsOptional() @IsInt() rss_bytes?: number;
  @IsNumber() peak_cpu_percent!: number;
  @IsInt() @Min(0) peak_rss_bytes!: number;
  @ValidateNested() @Type(() => PluginLimitsDto) limits!: PluginLimitsDto;
  @IsOptional() @ValidateNested() @Type(() => PluginHealthDto) health?: PluginHealthDto;
}

export class PluginRuntimeRequest {
  @IsOptional() @IsUUID() agent_id?: string;
}

export class PluginRuntimeReply {
  @IsUUID() instance_id!: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => PluginRuntimeDto) plugins!: PluginRuntimeDto[];
}

export const PLUGIN_ACTIONS = ['start', 'stop', 'restart'] as const;
export type PluginAction = (typeof PLUGIN_ACTIONS)[number];

export class PluginControlRequest {
  @IsUUID() agent_id!: string;
  @Matches(PLUGIN_TYPE) plugin_type!: string;
  @IsIn(PLUGIN_ACTIONS) action!: PluginAction;
}

export class PluginControlReply {
  @IsUUID() instance_id!: string;
  /** This replica holds the plugin (and acted); the others answer false. */
  @IsBoolean() held!: boolean;
  @IsOptional() @ValidateNested() @Type(() => PluginRuntimeDto) plugin?: PluginRuntimeDto;
}

export class PluginStoppedEvent {
  @IsUUID() agent_id!: string;
  @Matches(PLUGIN_TYPE) plugin_type!: string;
  @IsUUID() instance_id!: string;
  @IsIn(PLUGIN_RUN_STATES) state!: PluginRunState;
  @IsString() reason!: string;
  @IsString() at!: string;
}

/** How long a scatter-gather to the supervisors waits for replies. */
export const PLUGIN_GATHER_MS = 1_500;

export const PluginContracts = {
  configs: requestContract({ subject: PluginSubjects.configs, request: PluginConfigsRequest, reply: PluginConfigsReply, timeoutMs: 3_000 }),
  /** Served by every supervisor replica (no queue group): call it with `bus.gather`. */
  runtime: requestContract({ subject: PluginSubjects.runtime, request: PluginRuntimeRequest, reply: PluginRuntimeReply, timeoutMs: PLUGIN_GATHER_MS }),
  /** Served by every supervisor replica (no queue group): call it with `bus.gather`; the holder answers `held: true`. */
  control: requestContract({ subject: PluginSubjects.control, request: PluginControlRequest, reply: PluginControlReply, timeoutMs: PLUGIN_GATHER_MS }),
} as const;
