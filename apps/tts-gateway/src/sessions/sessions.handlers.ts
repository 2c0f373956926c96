import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Bus, BusError, type BusSubscription } from '@voxbridge/bus';
import { ErrorCode, queueGroup, SessionClaimRequest, SessionReleaseRequest, VoiceSubjects, type SessionClaimReply, type SessionReleaseReply } from '@voxbridge/contracts';
import { TtsGatewayEnv } from '../config/tts-gateway.env';
import { SessionsError, SessionsErrorCode } from './sessions.errors';
import { SessionsService } from './sessions.service';

/**
 * Bus edge of the sessions feature. Claims go to the service's queue group (any replica may
 * answer; the lease decides the owner). Releases go to every replica — a queue group could hand
 * the release to a replica that does not hold the session; only the owner acts on it.
 */
@Injectable()
export class SessionsHandlers implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly subscriptions: BusSubscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly sessions: SessionsService,
    private readonly config: TtsGatewayEnv,
  ) {}

  onApplicationBootstrap(): void {
    this.subscriptions.push(
      this.bus.serveJson(VoiceSubjects.ttsClaim, SessionClaimRequest, (request) => this.claim(request), {
        queue: queueGroup(this.config.VOXBRIDGE_NAMESPACE, 'tts-gateway'),
      }),
      this.bus.serveJson(VoiceSubjects.ttsRelease, SessionReleaseRequest, (request) => this.release(request)),
    );
  }

  /** Before the bus drains: no new claims, every session stopped and its lease released. */
  async onModuleDestroy(): Promise<void> {
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
    await this.sessions.close();
  }

  private async claim(request: SessionClaimRequest): Promise<SessionClaimReply> {
    try {
      const outcome = await this.sessions.claim(request.session_id, request.agent_id);
      return { session_id: request.session_id, owner_instance_id: outcome.ownerInstanceId, lease_ms: outcome.leaseMs, taken: outcome.taken };
    } catch (error) {
      throw toBusError(error);
    }
  }

  private async release(request: SessionReleaseRequest): Promise<SessionReleaseReply> {
    return { session_id: request.session_id, released: await this.sessions.release(request.session_id) };
  }
}

function toBusError(error: unknown): unknown {
  if (!(error instanceof SessionsError)) return error;
  return new BusError(errorCodeFor(error.code), error.message, { cause: error });
}

function errorCodeFor(code: SessionsErrorCode): ErrorCode {
  switch (code) {
    case SessionsErrorCode.AgentNotFound:
      return ErrorCode.NotFound;
    case SessionsErrorCode.AgentUnavailable:
    case SessionsErrorCode.AgentInvalid:
    case SessionsErrorCode.LeasesUnavailable:
      return ErrorCode.Unavailable;
  }
}
