import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SNOWFLAKE, SNOWFLAKE_MESSAGE } from '@voxbridge/contracts';
import { IsUUID, Matches } from 'class-validator';
import { OmitOrSet } from '../../http/omit-or-set';

export class DiscordVoiceJoinBody {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  agent_id!: string;

  @ApiProperty({ example: '112233445566778899', description: 'guild id as a string (a snowflake does not fit a JSON number)' })
  @Matches(SNOWFLAKE, { message: `guild_id ${SNOWFLAKE_MESSAGE}` })
  guild_id!: string;

  @ApiProperty({ example: '998877665544332211', description: 'voice channel id as a string' })
  @Matches(SNOWFLAKE, { message: `channel_id ${SNOWFLAKE_MESSAGE}` })
  channel_id!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'an existing (web) session to continue in the channel' })
  @OmitOrSet()
  @IsUUID()
  session_id?: string;
}

export class DiscordVoiceLeaveBody {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  agent_id!: string;

  @ApiProperty({ example: '112233445566778899' })
  @Matches(SNOWFLAKE, { message: `guild_id ${SNOWFLAKE_MESSAGE}` })
  guild_id!: string;
}

export class DiscordAgentParams {
  @IsUUID()
  agent_id!: string;
}
