import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Bus, BusError, BusRemoteError, describeCallFailure, PipelineSessions, PipelineStageError, type PipelineSession, type PipelineSessionEvents } from '@voxbridge/bus';
import {
  AgentContracts,
  AuthContracts,
  ErrorCode,
  SessionContracts,
  type AgentDto,
  type SessionDto,
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
  return { ...describeCallFailure(service, error), service };
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
  private readonly pipeline: PipelineSessions;
  private readonly logger: AppLogger;

  constructor(
    private readonly bus: Bus,
    config: WebrtcGatewayEnv,
    logger: AppLogger,
  ) {
    this.logger = logger.child({ component: 'voice-fleet' });
    this.pipeline = new PipelineSessions(bus, { leaseMs: config.VOICE_LEASE_MS, logger: this.logger });
  }

  onModuleDestroy(): void {
    this.pipeline.close();
  }

  /**
   * Checks the credential for the agent and, when resuming, for the session: agent-api refuses a
   * session the credential's key may not see (a `client` key sees only its own) exactly as a
   * missing one, so it closes the socket as `session not found` before anything is reopened.
   */
  async verify(credential: string, agentId: string, sessionId?: string): Promise<VerifiedCredential> {
    try {
      return await this.bus.call(AuthContracts.verify, { credential, agent_id: agentId, ...(sessionId === undefined ? {} : { session_id: sessionId }) });
    } catch (error) {
      if (isCode(error, ErrorCode.Unauthorized, ErrorCode.Forbidden, ErrorCode.ValidationFailed)) {
        // agent-api's refusal names the problem (unknown, expired, for another agent) and never the credential.
        throw new VoiceSetupError(VoiceSetupErrorCode.Unauthorized, `unauthorized: ${(error as BusError).message}`, undefined, { cause: error });
      }
      if (error instanceof BusRemoteError && error.code === ErrorCode.NotFound) {
        throw new VoiceSetupError(VoiceSetupErrorCode.SessionNotFound, 'session not found', undefined, { cause: error });
      }
      throw serviceFailed('agent-api', error);
    }
  }

  async agent(agentId: string): Promise<AgentDto> {
    try {
      return await this.bus.call(AgentContracts.get, { id: agentId });
    } catch (error) {
      if (isCode(error, ErrorCode.NotFound)) throw new VoiceSetupError(VoiceSetupErrorCode.AgentNotFound, 'agent not found', undefined, { cause: error });
      throw serviceFailed('agent-api', error);
    }
  }

  /** A new `webrtc` session, or the named one (of this agent), reactivated if it had ended. */
  async openSession(input: { agentId: string; sessionId?: string; userId: string; keyId: string }): Promise<OpenedSession> {
    try {
      if (input.sessionId === undefined) {
        const session = await this.bus.call(SessionContracts.create, { user_id: input.userId, agent_id: input.agentId, session_type: 'webrtc', created_by_key_id: input.keyId });
        return { session, resumed: false };
      }
      const found = await this.bus.call(SessionContracts.get, { id: input.sessionId });
      if (found.agent_id !== input.agentId) throw new VoiceSetupError(VoiceSetupErrorCode.SessionNotFound, 'session not found for this agent');
      const session = found.active ? found : await this.bus.call(SessionContracts.update, { id: found.id, active: true });
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
    await this.bus.call(SessionContracts.update, { id: sessionId, active: false }).catch((error: unknown) => {
      this.logger.warn('could not mark the voice session ended', { session_id: sessionId, err: error });
    });
  }
}
