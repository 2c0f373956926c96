import { Body, Controller, HttpCode, HttpStatus, NotFoundException, Post, Req, UnauthorizedException } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCode, type VoiceTokenDto } from '@voxbridge/contracts';
import { IsUUID } from 'class-validator';
import type { Request } from 'express';
import { AgentsError, AgentsErrorCode } from '../agents/agents.errors';
import { AgentsService } from '../agents/agents.service';
import { CurrentPrincipal } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { CredentialRefused, VoiceTokenService } from '../auth/voice-token.service';
import { AgentApiEnv } from '../config/agent-api.env';
import { ErrorResponse } from '../http/error-response.dto';
import { OmitOrSet } from '../http/omit-or-set';
import { toSessionsHttpError } from '../sessions/sessions.errors';
import { SessionsService } from '../sessions/sessions.service';

class MintVoiceTokenBody {
  @ApiPropertyOptional({ format: 'uuid', description: 'bind the token to this agent (recommended)' })
  @OmitOrSet()
  @IsUUID()
  agent_id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'the session to resume with this token: 404 when your key may not see it' })
  @OmitOrSet()
  @IsUUID()
  session_id?: string;
}

class VoiceTokenView implements VoiceTokenDto {
  @ApiProperty({ example: 'vbt_eyJrIjoi….Q2x…', description: 'pass as `?token=` when opening the voice socket' }) token!: string;
  @ApiProperty({ format: 'date-time' }) expires_at!: string;
  @ApiProperty({ example: 'ws://localhost:4901/ws/voice' }) ws_url!: string;
}

/** The host the caller reached us at, without the port (the voice socket has its own). */
function requestHostname(request: Request): string {
  const host = request.headers.host ?? '127.0.0.1';
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '127.0.0.1');
}

@ApiTags('voice')
@ApiBearerAuth('bearer')
@Controller('api/voice')
export class VoiceController {
  constructor(
    private readonly tokens: VoiceTokenService,
    private readonly agents: AgentsService,
    private readonly config: AgentApiEnv,
    private readonly sessions: SessionsService,
  ) {}

  @Post('token')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Mint a short-lived voice token for the browser voice socket',
    description:
      'The web app opens webrtc-gateway’s `/ws/voice?agent_id=…&token=…` with it instead of putting an API key in a URL. ' +
      'It expires after `VOICE_TOKEN_TTL_S` (default 300 s) and dies with the API key that minted it.',
  })
  @ApiResponse({ status: 201, type: VoiceTokenView })
  @ApiResponse({ status: 400, description: 'agent_id is not a UUID', type: ErrorResponse })
  @ApiResponse({ status: 401, description: 'No, unknown or revoked API key', type: ErrorResponse })
  @ApiResponse({ status: 404, description: 'No such agent, or no session with `session_id` that this key may see', type: ErrorResponse })
  @ApiResponse({ status: 429, description: 'Too many requests for this key (see Retry-After)', type: ErrorResponse })
  async mint(@Body() body: MintVoiceTokenBody, @CurrentPrincipal() principal: Principal, @Req() request: Request): Promise<VoiceTokenView> {
    if (body.agent_id) await this.assertAgentExists(body.agent_id);
    if (body.session_id) await this.sessions.assertVisible(principal, body.session_id).catch((error: unknown) => Promise.reject(toSessionsHttpError(error)));
    try {
      const { token, expiresAtMs } = await this.tokens.mint(principal, body.agent_id);
      return { token, expires_at: new Date(expiresAtMs).toISOString(), ws_url: this.wsUrl(request) };
    } catch (error) {
      if (error instanceof CredentialRefused) throw new UnauthorizedException({ code: ErrorCode.Unauthorized, message: error.message });
      throw error;
    }
  }

  private async assertAgentExists(id: string): Promise<void> {
    try {
      await this.agents.get(id);
    } catch (error) {
      if (error instanceof AgentsError && error.code === AgentsErrorCode.NotFound) throw new NotFoundException({ code: ErrorCode.NotFound, message: error.message });
      throw error;
    }
  }

  private wsUrl(request: Request): string {
    if (this.config.WEBRTC_PUBLIC_URL) return this.config.WEBRTC_PUBLIC_URL;
    const scheme = request.protocol === 'https' ? 'wss' : 'ws';
    return `${scheme}://${requestHostname(request)}:${this.config.WEBRTC_GATEWAY_PORT}/ws/voice`;
  }
}
