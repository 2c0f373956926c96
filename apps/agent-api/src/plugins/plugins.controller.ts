import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { PluginRuntimeDto } from '@voxbridge/contracts';
import { ErrorResponse } from '../http/error-response.dto';
import { PluginControlBody, PluginControlParams, PluginListReply, PluginStatsReply } from './plugins.dto';
import { toPluginsHttpError } from './plugins.errors';
import { PluginsService } from './plugins.service';

@ApiTags('plugins')
@ApiBearerAuth('bearer')
@Controller('api/plugins')
export class PluginsController {
  constructor(private readonly plugins: PluginsService) {}

  @Get()
  @ApiOperation({ summary: 'Every agent’s plugins with their runtime state (which replica runs each, restarts, health)' })
  @ApiResponse({ status: 200, type: PluginListReply })
  list(): Promise<PluginListReply> {
    return this.plugins.list();
  }

  @Get('stats')
  @ApiOperation({ summary: 'Per running plugin: CPU %, RSS, peaks, violations, restarts, uptime — measured per child process from the OS' })
  @ApiResponse({ status: 200, type: PluginStatsReply })
  stats(): Promise<PluginStatsReply> {
    return this.plugins.stats();
  }

  @Post(':type/:action')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Start, stop or restart one agent’s plugin (on the replica running it)' })
  @ApiResponse({ status: 200, description: 'the plugin’s runtime state after the action' })
  @ApiResponse({ status: 400, description: 'agent_id not a UUID, action not start|stop|restart', type: ErrorResponse })
  @ApiResponse({ status: 404, description: 'No such agent, or it has no enabled plugin of this type', type: ErrorResponse })
  @ApiResponse({ status: 409, description: 'discord plugins are run by discord-connector', type: ErrorResponse })
  @ApiResponse({ status: 503, description: 'plugin-supervisor is not running, or no replica runs the plugin yet', type: ErrorResponse })
  async control(@Param() { type, action }: PluginControlParams, @Body() body: PluginControlBody): Promise<PluginRuntimeDto> {
    try {
      return await this.plugins.control(type, body.agent_id, action);
    } catch (error) {
      throw toPluginsHttpError(error);
    }
  }
}
