import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PLUGIN_ACTIONS, PLUGIN_RUN_STATES, PLUGIN_TYPE, type PluginAction, type PluginHealthDto, type PluginRunState, type PluginRuntimeDto } from '@voxbridge/contracts';
import { IsIn, IsUUID, Matches } from 'class-validator';

export class PluginControlBody {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  agent_id!: string;
}

export class PluginControlParams {
  @ApiProperty({ example: 'n8n' })
  @Matches(PLUGIN_TYPE, { message: 'type must be a plugin type (a lowercase word)' })
  type!: string;

  @ApiProperty({ enum: PLUGIN_ACTIONS })
  @IsIn(PLUGIN_ACTIONS)
  action!: PluginAction;
}

export const PLUGIN_LIST_STATES = [...PLUGIN_RUN_STATES, 'disabled', 'pending', 'external'] as const;
export type PluginListState = (typeof PLUGIN_LIST_STATES)[number];

/** One plugin of one agent, with its runtime state when a replica runs it. */
export class PluginListItem {
  @ApiProperty({ format: 'uuid' }) agent_id!: string;
  @ApiProperty() agent_name!: string;
  @ApiProperty({ example: 'n8n' }) plugin_type!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ enum: ['plugin-supervisor', 'discord-connector'] }) hosted_by!: 'plugin-supervisor' | 'discord-connector';
  @ApiProperty({
    enum: PLUGIN_LIST_STATES,
    description: 'a run state; `disabled`; `pending` (enabled, no replica runs it yet); `external` (discord: see /api/plugins/discord/voice/status)',
  })
  state!: PluginListState | PluginRunState;
  @ApiPropertyOptional() reason?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'the replica running it (plugin-supervisor, or discord-connector for discord)' }) instance_id?: string;
  @ApiPropertyOptional() uptime_ms?: number;
  @ApiPropertyOptional() restarts?: number;
  @ApiPropertyOptional() health?: PluginHealthDto;
}

export class PluginListReply {
  @ApiProperty({ type: [PluginListItem] }) plugins!: PluginListItem[];
  @ApiProperty({ description: 'plugin-supervisor replicas that answered' }) supervisors!: number;
}

export class PluginStatsReply {
  @ApiProperty({ description: 'per running plugin: cpu_percent, rss_bytes, peaks, violations, restarts, uptime, limits — measured per child process' })
  plugins!: PluginRuntimeDto[];
  @ApiProperty() supervisors!: number;
}
