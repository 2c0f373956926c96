import { Body, Controller, Get, HttpCode, HttpStatus, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCode, type DiscordVoiceJoinReply, type DiscordVoiceLeaveReply, type DiscordVoiceStatusReply } from '@voxbridge/contracts';
import { AgentsError, AgentsErrorCode } from '../../agents/agents.errors';
import { ErrorResponse } from '../../http/error-response.dto';
import { DiscordAgentParams, DiscordVoiceJoinBody, DiscordVoiceLeaveBody } from './discord-voice.dto';
import { toDiscordHttpError } from './discord-voice.errors';
import { DiscordVoiceService } from './discord-voice.service';

/** Unknown agent → 404 here; discord-connector's refusals → their status; anything else for the global filter. */
function toHttp(error: unknown): unknown {
  if (error instanceof AgentsError && error.code === AgentsErrorCode.NotFound) return new NotFoundException({ code: ErrorCode.NotFound, message: error.message });
  return toDiscordHttpError(error);
}

@ApiTags('plugins')
@ApiBearerAuth('bearer')
@Controller('api/plugins/discord/voice')
export class DiscordVoiceController {
  constructor(private readonly voice: DiscordVoiceService) {}

  @Post('join')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Have the agent’s Discord bot join a voice channel (optionally continuing a session)' })
  @ApiResponse({ status: 200, description: '{agent_id, guild_id, channel_id, channel_name, session_id?}' })
  @ApiResponse({ status: 400, description: 'agent_id / session_id not UUIDs, guild_id / channel_id not snowflake strings', type: ErrorResponse })
  @ApiResponse({ status: 404, description: 'No such agent, or it has no enabled Discord bot', type: ErrorResponse })
  @ApiResponse({ status: 409, description: 'The guild or channel is not allowed (allow-lists), unknown to the bot, or not a voice channel', type: ErrorResponse })
  @ApiResponse({ status: 503, description: 'discord-connector is not running, or the bot is not logged in', type: ErrorResponse })
  async join(@Body() body: DiscordVoiceJoinBody): Promise<DiscordVoiceJoinReply> {
    try {
      return await this.voice.join(body);
    } catch (error) {
      throw toHttp(error);
    }
  }

  @Post('leave')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Have the agent’s Discord bot leave its voice channel in a guild' })
  @ApiResponse({ status: 200, description: '{agent_id, guild_id, left}' })
  @ApiResponse({ status: 400, description: 'agent_id not a UUID, guild_id not a snowflake string', type: ErrorResponse })
  @ApiResponse({ status: 404, description: 'No such agent, or it has no enabled Discord bot', type: ErrorResponse })
  @ApiResponse({ status: 503, description: 'discord-connector is not running, or the bot is not logged in', type: ErrorResponse })
  async leave(@Body() body: DiscordVoiceLeaveBody): Promise<DiscordVoiceLeaveReply> {
    try {
      return await this.voice.leave(body);
    } catch (error) {
      throw toHttp(error);
    }
  }

  @Get('status/:agent_id')
  @ApiOperation({ summary: 'The agent’s Discord bot: logged in or why not, guilds, voice channels, speakers' })
  @ApiResponse({ status: 200, description: '{agent_id, agent_name, instance_id, bot{state, username, user_id, error, reconnects}, guilds[], connections[]}' })
  @ApiResponse({ status: 400, description: 'agent_id is not a UUID', type: ErrorResponse })
  @ApiResponse({ status: 404, description: 'No such agent, or it has no enabled Discord bot', type: ErrorResponse })
  @ApiResponse({ status: 503, description: 'discord-connector is not running, or no replica runs the bot yet', type: ErrorResponse })
  async status(@Param() { agent_id }: DiscordAgentParams): Promise<DiscordVoiceStatusReply> {
    try {
      return await this.voice.status(agent_id);
    } catch (error) {
      throw toHttp(error);
    }
  }
}
