import { Injectable } from '@nestjs/common';
import { AppLogger } from '@voxbridge/platform';
import { AgentDirectory } from './agent-voice';
import { LeaseBook } from './lease-book';
import { SessionMedia, type SessionSubscription } from './session-media';
import { SessionWorker } from './session-worker';
import { SessionsMetrics } from './sessions.metrics';
import { TtsProviderRegistry } from './tts-provider.registry';

export interface ClaimOutcome {
  ownerInstanceId: string;
  leaseMs: number;
  taken: boolean;
}

interface ActiveSession {
  worker: SessionWorker;
  subscription: SessionSubscription;
}

/**
 * Which sessions this replica speaks for. A claim that wins the lease fetches the agent, picks its
 * provider and starts a worker subscribed to the session; release, `control` `end`, a lapsed lease
 * or shutdown stop the worker and unsubscribe everything of that session.
 */
@Injectable()
export class SessionsService {
  private readonly active = new Map<string, ActiveSession>();
  /** Claims in progress per session: heartbeats racing the first claim must not start two workers. */
  private readonly claiming = new Map<string, Promise<ClaimOutcome>>();
  private readonly stopping = new Set<Promise<void>>();

  constructor(
    private readonly leases: LeaseBook,
    private readonly agents: AgentDirectory,
    private readonly providers: TtsProviderRegistry,
    private readonly media: SessionMedia,
    private readonly metrics: SessionsMetrics,
    private readonly logger: AppLogger,
  ) {
    leases.onLapsed((sessionId) => {
      this.logger.info('tts session lease lapsed: no claim within the lease', { session_id: sessionId });
      this.track(this.stop(sessionId));
    });
  }

  /** Sessions this replica is speaking for. */
  sessions(): string[] {
    return [...this.active.keys()];
  }

  claim(sessionId: string, agentId: string): Promise<ClaimOutcome> {
    const pending = this.claiming.get(sessionId);
    if (pending) return pending;
    const work = this.claimOnce(sessionId, agentId).finally(() => this.claiming.delete(sessionId));
    this.claiming.set(sessionId, work);
    return work;
  }

  /** Lets the session go if this replica holds it; true when it did. */
  async release(sessionId: string): Promise<boolean> {
    if (!this.active.has(sessionId)) return false;
    await this.stop(sessionId);
    await this.leases.release(sessionId);
    this.logger.info('tts session released', { session_id: sessionId });
    return true;
  }

  /** Shutdown: every session stopped and its lease given back so another replica can take it at once. */
  async close(): Promise<void> {
    await Promise.all([...this.active.keys()].map((sessionId) => this.stop(sessionId)));
    await Promise.all([...this.stopping]);
    await this.leases.close();
  }

  private async claimOnce(sessionId: string, agentId: string): Promise<ClaimOutcome> {
    const result = await this.leases.claim(sessionId);
    const mine = result.ownerInstanceId === this.leases.instanceId;
    if (mine && !this.active.has(sessionId)) {
      try {
        await this.start(sessionId, agentId);
      } catch (error) {
        await this.leases.release(sessionId).catch((releaseError: unknown) =>
          this.logger.warn('tts session lease not released after a failed start', { session_id: sessionId, err: releaseError }),
        );
        throw error;
      }
      return { ownerInstanceId: result.ownerInstanceId, leaseMs: this.leases.leaseMs, taken: true };
    }
    return { ownerInstanceId: result.ownerInstanceId, leaseMs: this.leases.leaseMs, taken: false };
  }

  private async start(sessionId: string, agentId: string): Promise<void> {
    const agent = await this.agents.voiceOf(agentId);
    const provider = await this.providers.forAgent(agent.provider);
    const logger = this.logger.child({ session_id: sessionId, agent_id: agentId });
    const worker = new SessionWorker({
      sessionId,
      agent,
      provider,
      fallback: () => this.providers.local(),
      output: this.media.output(sessionId),
      metrics: this.metrics,
      logger,
      onEnd: () => void this.track(this.end(sessionId)),
    });
    const subscription = await this.media.subscribe(sessionId, worker);
    this.active.set(sessionId, { worker, subscription });
    this.metrics.activeSessions(this.active.size);
    logger.info('tts session taken', { provider: provider.name });
  }

  private async end(sessionId: string): Promise<void> {
    if (await this.release(sessionId)) this.logger.info('tts session ended by control', { session_id: sessionId });
  }

  private async stop(sessionId: string): Promise<void> {
    const session = this.active.get(sessionId);
    if (!session) return;
    this.active.delete(sessionId);
    this.metrics.activeSessions(this.active.size);
    session.subscription.close();
    await session.worker.stop();
  }

  /** Background work (lapses, `end`) is kept so shutdown waits for it and failures are logged. */
  private track(work: Promise<void>): Promise<void> {
    const tracked = work
      .catch((error: unknown) => this.logger.error('tts session stop failed', { err: error }))
      .finally(() => this.stopping.delete(tracked));
    this.stopping.add(tracked);
    return tracked;
  }
}
