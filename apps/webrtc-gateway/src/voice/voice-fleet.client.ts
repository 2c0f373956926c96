import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Bus, BusError, BusNoRespondersError, BusTimeoutError, PipelineSessions, PipelineStageError, type PipelineSession, type PipelineSessionEvents } from '@voxbridge/bus';
import {
  AgentSubjects,
  AuthSubjects,
  ErrorCode,
  SessionSubjects,
  type AgentDto,
  type SessionDto,
  type Subject,
  type VerifiedCredential,
} from '@voxbridge/contracts';
import { AppLogger } from '@voxbridge/platform';
import { WebrtcGatewayEnv } from '../config/webrtc-gateway.env';
import { VoiceSetupError, VoiceSetupErrorCode, type ServiceErrorData } from './voice.errors';

export interface OpenedSession {
  session: SessionDto;
  /** The client named an existing session. */
  resumed: boolean;
}

/** The `service_error` for a request that failed: which service, and what happened in words. */
export function serviceErrorOf(service: string, error: unknown): ServiceErrorData {
  if (error instanceof BusNoRespondersError) return { code: ErrorCode.NoResponders, message: `${service} is not running`, service };
  if (error instanceof BusTimeoutError) {
    return { code: ErrorCode.Timeout, message: `${service} did not answer within ${error.timeoutMs} ms`, service };
  }
  if (error instanceof BusError) return { code: error.code, message: `${service} refused: ${error.message}`, service };
  return { code: ErrorCode.Internal, message: `${service} could not be asked`, service };
}

function serviceFailed(service: string, error: unknown): VoiceSetupError {
  const serviceError = serviceErrorOf(service, error);
  return new VoiceSetupError(VoiceSetupErrorCode.ServiceFailed, serviceError.message, serviceError, { cause: error });
}

const isCode = (error: unknown, ...codes: ErrorCode[]) => error instanceof BusError && codes.includes(error.code);

/**
 * What a voice socket asks of the fleet over the bus: agent-api (credential, agent), session-store
 * (the session) and the pipeline services (claims, heartbeats, releases). Failures come back as
 * VoiceSetupError with the code the socket closes with; releases never throw.
 */
@Injectable()
export class VoiceFleetClient implements OnModuleDestroy {
  private readonly timeoutMs: number;
  private readonly pipeline: PipelineSessions;
  private readonly logger: AppLogger;

  constructor(
    private readonly bus: Bus,
    config: WebrtcGatewayEnv,
    logger: AppLogger,
  ) {
    this.timeoutMs = config.VOICE_REQUEST_TIMEOUT_MS;
    this.logger = logger.child({ component: 'voice-fleet' });
    this.pipeline = new PipelineSessions(bus, { leaseMs: config.VOICE_LEASE_MS, logger: this.logger });
  }

  onModuleDestroy(): void {
    this.pipeline.close();
  }

  async verify(credential: string, agentId: string): Promise<VerifiedCredential> {
    try {
      return await this.request<VerifiedCredential>(AuthSubjects.verify, { credential, agent_id: agentId });
    } catch (error) {
      if (isCode(error, ErrorCode.Unauthorized, ErrorCode.Forbidden, ErrorCode.ValidationFailed)) {
        // agent-api's refusal names the problem (unknown, expired, for another agent) and never the credential.
        throw new VoiceSetupError(VoiceSetupErrorCode.Unauthorized, `unauthorized: ${(error as BusError).message}`, undefined, { cause: error });
      }
      throw serviceFailed('agent-api', error);
    }
  }

  async agent(agentId: string): Promise<AgentDto> {
    try {
      return await this.request<AgentDto>(AgentSubjects.get, { id: agentId });
    } catch (error) {
      if (isCode(error, ErrorCode.NotFound)) throw new VoiceSetupError(VoiceSetupErrorCode.AgentNotFound, 'agent not found', undefined, { cause: error });
      throw serviceFailed('agent-api', error);
    }
  }

  /** A new `webrtc` session, or the named one (of this agent), reactivated if it had ended. */
  async openSession(input: { agentId: string; sessionId?: string; userId: string }): Promise<OpenedSession> {
    try {
      if (input.sessionId === undefined) {
        const session = await this.request<SessionDto>(SessionSubjects.create, { user_id: input.userId, agent_id: input.agentId, session_type: 'webrtc' });
        return { session, resumed: false };
      }
      const found = await this.request<SessionDto>(SessionSubjects.get, { id: input.sessionId });
      if (found.agent_id !== input.agentId) throw new VoiceSetupError(VoiceSetupErrorCode.SessionNotFound, 'session not found for this agent');
      const session = found.active ? found : await this.request<SessionDto>(SessionSubjects.update, { id: found.id, active: true });
      return { session, resumed: true };
    } catch (error) {
      if (error instanceof VoiceSetupError) throw error;
      if (isCode(error, ErrorCode.NotFound)) throw new VoiceSetupError(VoiceSetupErrorCode.SessionNotFound, 'session not found', undefined, { cause: error });
      throw serviceFailed('session-store', error);
    }
  }

  /**
   * Opens the session across the pipeline (the session protocol's gateway side: claims,
   * heartbeat, takeover of a dead replica's stages, release); a stage that cannot take it fails
   * the open with the service named.
   */
  async openPipeline(sessionId: string, agentId: string, events: PipelineSessionEvents): Promise<PipelineSession> {
    try {
      return await this.pipeline.open(sessionId, agentId, events);
    } catch (error) {
      if (error instanceof PipelineStageError) throw serviceFailed(error.service, error.cause);
      throw error;
    }
  }

  /** Marks the session ended (inactive); never throws — an unanswered update leaves it active, as a drop would. */
  async endSession(sessionId: string): Promise<void> {
    await this.request<SessionDto>(SessionSubjects.update, { id: sessionId, active: false }).catch((error: unknown) => {
      this.logger.warn('could not mark the voice session ended', { session_id: sessionId, err: error });
    });
  }

  private request<Res extends object>(subject: Subject, body: object): Promise<Res> {
    return this.bus.requestJson<Res>(subject, body, { timeoutMs: this.timeoutMs });
  }
}
