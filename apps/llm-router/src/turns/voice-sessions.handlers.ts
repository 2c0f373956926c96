import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Bus, BusError, SessionLeases, type BusSubscription } from '@voxbridge/bus';
import { ErrorCode, queueGroup, SessionClaimRequest, SessionReleaseRequest, VoiceSubjects, type SessionClaimReply, type SessionReleaseReply } from '@voxbridge/contracts';
import { AppLogger, ServiceIdentity } from '@voxbridge/platform';
import { LlmRouterEnv } from '../config/llm-router.env';
import { SessionWorker } from './session-worker';
import { TurnOutput } from './turn-output';
import { TurnsMetrics } from './turns.metrics';
import { TurnsService } from './turns.service';

/**
 * Bus edge of voice sessions: `llmClaim` in the queue group (lease in JetStream KV, heartbeat by
 * repeated claims), `llmRelease` to every replica (only the holder acts), one SessionWorker per
 * held session. Release, `control end` and a lapsed lease all stop the worker.
 */
@Injectable()
export class VoiceSessionsHandlers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly workers = new Map<string, SessionWorker>();
  private readonly stopping = new Set<Promise<void>>();
  private subscriptions: BusSubscription[] = [];
  private leases: SessionLeases | undefined;
  private readonly logger: AppLogger;

  constructor(
    private readonly bus: Bus,
    private readonly turns: TurnsService,
    private readonly output: TurnOutput,
    private readonly metrics: TurnsMetrics,
    private readonly identity: ServiceIdentity,
    private readonly config: LlmRouterEnv,
    logger: AppLogger,
  ) {
    this.logger = logger.child({ component: 'voice-sessions' });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.leases = await SessionLeases.open(this.bus, {
      kind: 'llm',
      instanceId: this.identity.instanceId,
      leaseMs: this.config.LLM_LEASE_MS,
      onLapsed: (sessionId) => {
        this.logger.info('session lease lapsed; worker stopped', { session_id: sessionId });
        this.stopWorker(sessionId, false);
      },
      onError: (error, sessionId) => this.logger.warn('session lease renewal failed', { session_id: sessionId, err: error }),
    });
    this.subscriptions = [
      this.bus.serveJson(VoiceSubjects.llmClaim, SessionClaimRequest, (req) => this.claim(req), { queue: queueGroup(this.bus.namespace, 'llm-router') }),
      this.bus.serveJson(VoiceSubjects.llmRelease, SessionReleaseRequest, (req) => this.release(req)),
    ];
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions = [];
    for (const sessionId of [...this.workers.keys()]) this.stopWorker(sessionId, false);
    while (this.stopping.size > 0) await Promise.allSettled([...this.stopping]);
    await this.leases?.close().catch((error: unknown) => this.logger.warn('session leases close failed', { err: error }));
  }

  /** Sessions with a running worker on this replica. */
  sessions(): string[] {
    return [...this.workers.keys()];
  }

  private async claim(req: SessionClaimRequest): Promise<SessionClaimReply> {
    if (!this.leases) throw new BusError(ErrorCode.Unavailable, 'llm-router is starting');
    let result;
    try {
      result = await this.leases.claim(req.session_id);
    } catch (error) {
      this.logger.warn('session claim failed: lease store unreachable', { session_id: req.session_id, err: error });
      throw new BusError(ErrorCode.Unavailable, 'session lease store unreachable', { cause: error });
    }
    const mine = result.ownerInstanceId === this.identity.instanceId;
    const worker = this.workers.get(req.session_id);
    if (mine && !worker) {
      this.startWorker(req.session_id, req.agent_id);
      // Answer once the server has the worker's subscriptions: transcripts sent right after count.
      await this.bus.connection.flush();
    } else if (mine && worker) worker.agentId = req.agent_id;
    return { session_id: req.session_id, owner_instance_id: result.ownerInstanceId, lease_ms: this.config.LLM_LEASE_MS, taken: result.taken };
  }

  private release(req: SessionReleaseRequest): SessionReleaseReply {
    const held = this.workers.has(req.session_id);
    if (held) this.stopWorker(req.session_id, true);
    return { session_id: req.session_id, released: held };
  }

  private startWorker(sessionId: string, agentId: string): void {
    const worker = new SessionWorker(
      {
        bus: this.bus,
        turns: this.turns,
        output: this.output,
        metrics: this.metrics,
        logger: this.logger,
        commitWaitMs: this.config.LLM_COMMIT_WAIT_MS,
        onEnd: (id) => this.stopWorker(id, true),
      },
      sessionId,
      agentId,
    );
    worker.start();
    this.workers.set(sessionId, worker);
    this.logger.info('session claimed; worker started', { session_id: sessionId, agent_id: agentId });
  }

  private stopWorker(sessionId: string, releaseLease: boolean): void {
    const worker = this.workers.get(sessionId);
    if (!worker) return;
    this.workers.delete(sessionId);
    const done = (async () => {
      await worker.stop();
      if (releaseLease) await this.leases?.release(sessionId);
      this.logger.info('session worker stopped', { session_id: sessionId });
    })()
      .catch((error: unknown) => this.logger.warn('session worker stop failed', { session_id: sessionId, err: error }))
      .finally(() => this.stopping.delete(done));
    this.stopping.add(done);
  }
}
