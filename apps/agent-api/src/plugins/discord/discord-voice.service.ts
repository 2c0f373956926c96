import { Injectable } from '@nestjs/common';
import { Bus } from '@voxbridge/bus';
import { DiscordContracts, type DiscordVoiceJoinReply, type DiscordVoiceLeaveReply, type DiscordVoiceStatusReply } from '@voxbridge/contracts';
import { AgentsService } from '../../agents/agents.service';
import type { DiscordVoiceJoinBody, DiscordVoiceLeaveBody } from './discord-voice.dto';

/**
 * The Discord voice routes: the agent must exist here (else agent-api's own 404), then
 * discord-connector answers (its replica running the agent's bot, wherever that is).
 */
@Injectable()
export class DiscordVoiceService {
  constructor(
    private readonly bus: Bus,
    private readonly agents: AgentsService,
  ) {}

  async join(body: DiscordVoiceJoinBody): Promise<DiscordVoiceJoinReply> {
    await this.agents.get(body.agent_id);
    return this.bus.call(DiscordContracts.join, { agent_id: body.agent_id, guild_id: body.guild_id, channel_id: body.channel_id, ...(body.session_id ? { session_id: body.session_id } : {}) });
  }

  async leave(body: DiscordVoiceLeaveBody): Promise<DiscordVoiceLeaveReply> {
    await this.agents.get(body.agent_id);
    return this.bus.call(DiscordContracts.leave, { agent_id: body.agent_id, guild_id: body.guild_id });
  }

  async status(agentId: string): Promise<DiscordVoiceStatusReply> {
    await this.agents.get(agentId);
    return this.bus.call(DiscordContracts.status, { agent_id: agentId });
  }
}
