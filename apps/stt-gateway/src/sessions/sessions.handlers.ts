import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, type BusSubscription } from '@voxbridge/bus';
import { queueGroup, SessionClaimRequest, SessionReleaseRequest, VoiceSubjects, type SessionClaimReply, type SessionReleaseReply } from '@voxbridge/contracts';
import { AppLogger } from '@voxbridge/platform';
import { SttSessionsError, sttSessionsErrorToBus } from './sessions.errors';
import { SttSessionsService } from './sessions.service';
import { SttMetrics } from './stt.metrics';

/**
 * Bus edge of stt sessions: claim and release in the service's queue group. A claim (the gateway's
 * heartbeat) that lands on another replica reaches the holder through SessionLeases; a release is
 * also heard by every replica *without* a queue group, so the holder stops whichever one answered.
 */
@Injectable()
export class SttSessionsHandlers implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscriptions: BusSubscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly sessions: SttSessionsService,
    private readonly metrics: SttMetrics,
    private readonly logger: AppLogger,
  ) {}

  onApplicationBootstrap(): void {
    const queue = queueGroup(this.bus.namespace, 'stt-gateway');
    this.subscriptions = [
      this.bus.serveJson(VoiceSubjects.sttClaim, SessionClaimRequest, (req) => this.claim(req), { queue }),
      this.bus.serveJson(VoiceSubjects.sttRelease, SessionReleaseRequest, (req) => this.release(req), { queue }),
      this.bus.subscribeJson(VoiceSubjects.sttRelease, SessionReleaseRequest, (req) => this.releaseIfHeld(req.session_id)),
    ];
  }

  onApplicationShutdown(): void {
    this.subscriptions.forEach((subscription) => subscription.unsubscribe());
    this.subscriptions = [];
  }

  private async claim(req: SessionClaimRequest): Promise<SessionClaimReply> {
    const outcome = await edge(() => this.sessions.claim(req.session_id, req.agent_id));
    return { session_id: req.session_id, owner_instance_id: outcome.ownerInstanceId, lease_ms: outcome.leaseMs, taken: outcome.taken };
  }

  private async release(req: SessionReleaseRequest): Promise<SessionReleaseReply> {
    const released = await this.sessions.release(req.session_id);
    if (!released) this.metrics.messageRejected('unknown_session');
    return { session_id: req.session_id, released };
  }

  private async releaseIfHeld(sessionId: string): Promise<void> {
    if (!this.sessions.holds(sessionId)) return;
    await this.sessions.release(sessionId).catch((error: unknown) => this.logger.warn('stt session release failed', { session_id: sessionId, err: error }));
  }
}

async function edge<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw error instanceof SttSessionsError ? sttSessionsErrorToBus(error) : error;
  }
}
