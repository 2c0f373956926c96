import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Bus, SessionHost, type SessionClaim } from '@voxbridge/bus';
import { queueGroup } from '@voxbridge/contracts';
import { AppLogger, ServiceIdentity, TurnFacts } from '@voxbridge/platform';
import { LlmRouterEnv } from '../config/llm-router.env';
import { SessionWorker } from './session-worker';
import { TurnOutput } from './turn-output';
import { TurnsMetrics } from './turns.metrics';
import { TurnsService } from './turns.service';

/**
 * Voice sessions this replica follows: the session protocol's worker side (SessionHost) starts one
 * SessionWorker per session it wins and stops it on release, `control` end, a lapsed lease, a
 * takeover or shutdown (each session handed to another replica first).
 */
@Injectable()
export class VoiceSessionsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private host: SessionHost<SessionWorker> | undefined;
  private readonly logger: AppLogger;

  constructor(
    private readonly bus: Bus,
    private readonly turns: TurnsService,
    private readonly output: TurnOutput,
    private readonly metrics: TurnsMetrics,
    private readonly identity: ServiceIdentity,
    private readonly config: LlmRouterEnv,
    private readonly facts: TurnFacts,
    logger: AppLogger,
  ) {
    this.logger = logger.child({ component: 'voice-sessions' });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.host = await SessionHost.open<SessionWorker>(this.bus, {
      stage: 'llm',
      instanceId: this.identity.instanceId,
      leaseMs: this.config.LLM_LEASE_MS,
      queue: queueGroup(this.bus.namespace, 'llm-router'),
      logger: this.logger,
      start: async (claim) => this.start(claim),
      stop: (worker, _sessionId, reason) => worker.stop(reason),
      renewed: (worker, claim) => (worker.agentId = claim.agentId),
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.host?.close();
  }

  /** Sessions with a running worker on this replica. */
  sessions(): string[] {
    return this.host?.sessions() ?? [];
  }

  private start({ sessionId, agentId }: SessionClaim): SessionWorker {
    const worker = new SessionWorker(
      {
        bus: this.bus,
        turns: this.turns,
        output: this.output,
        metrics: this.metrics,
        logger: this.logger,
        facts: this.facts,
        onEnd: (id) => void this.host?.end(id),
        floor: { maxWaitMs: this.config.LLM_FLOOR_MAX_WAIT_MS, speechMaxWaitMs: this.config.LLM_FLOOR_SPEECH_MAX_WAIT_MS },
      },
      sessionId,
      agentId,
    );
    worker.start();
    // The first turn then finds the agent cached.
    this.turns.agent(agentId).catch((error: unknown) => this.logger.warn('agent look-up at claim failed; the first turn asks again', { session_id: sessionId, agent_id: agentId, err: error }));
    return worker;
  }
}
