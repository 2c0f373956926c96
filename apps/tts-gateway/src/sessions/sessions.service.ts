import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Bus, BusError, SessionHost, type SessionClaim } from '@voxbridge/bus';
import { ErrorCode, queueGroup } from '@voxbridge/contracts';
import { AppLogger, ServiceIdentity, TurnFacts } from '@voxbridge/platform';
import { TtsGatewayEnv } from '../config/tts-gateway.env';
import { AgentDirectory } from './agent-voice';
import { SessionMedia, type SessionSubscription } from './session-media';
import { SessionWorker } from './session-worker';
import { SessionsError, SessionsErrorCode } from './sessions.errors';
import { SessionsMetrics } from './sessions.metrics';
import { TtsProviderRegistry } from './tts-provider.registry';

interface ActiveSession {
  worker: SessionWorker;
  subscription: SessionSubscription;
}

/**
 * Which sessions this replica speaks for: the session protocol's worker side (SessionHost) starts
 * a worker — the agent's voice and provider, subscribed to the session — on a claim it wins, and
 * stops it on release, `control` end, a lapsed lease, a takeover or shutdown (where each session
 * is first handed to another replica).
 */
@Injectable()
export class SessionsService implements OnApplicationBootstrap, OnModuleDestroy {
  private host: SessionHost<ActiveSession> | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly identity: ServiceIdentity,
    private readonly config: TtsGatewayEnv,
    private readonly agents: AgentDirectory,
    private readonly providers: TtsProviderRegistry,
    private readonly media: SessionMedia,
    private readonly metrics: SessionsMetrics,
    private readonly facts: TurnFacts,
    private readonly logger: AppLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.host = await SessionHost.open<ActiveSession>(this.bus, {
      stage: 'tts',
      instanceId: this.identity.instanceId,
      leaseMs: this.config.TTS_LEASE_MS,
      queue: queueGroup(this.config.VOXBRIDGE_NAMESPACE, 'tts-gateway'),
      logger: this.logger,
      start: (claim) => this.start(claim),
      stop: (session) => this.stop(session),
    });
  }

  /** Before the bus drains: every session handed to another replica (or let go), then stopped here. */
  async onModuleDestroy(): Promise<void> {
    await this.host?.close();
  }

  /** Sessions this replica is speaking for. */
  sessions(): string[] {
    return this.host?.sessions() ?? [];
  }

  private async start({ sessionId, agentId }: SessionClaim): Promise<ActiveSession> {
    try {
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
        facts: this.facts,
        onEnd: () => void this.host?.end(sessionId),
      });
      const subscription = await this.media.subscribe(sessionId, worker);
      this.metrics.activeSessions(this.sessions().length + 1);
      logger.info('tts session worker started', { provider: provider.name });
      return { worker, subscription };
    } catch (error) {
      throw error instanceof SessionsError ? new BusError(errorCodeFor(error.code), error.message, { cause: error }) : error;
    }
  }

  private async stop(session: ActiveSession): Promise<void> {
    session.subscription.close();
    await session.worker.stop();
    this.metrics.activeSessions(this.sessions().length);
  }
}

function errorCodeFor(code: SessionsErrorCode): ErrorCode {
  switch (code) {
    case SessionsErrorCode.AgentNotFound:
      return ErrorCode.NotFound;
    case SessionsErrorCode.AgentUnavailable:
    case SessionsErrorCode.AgentInvalid:
      return ErrorCode.Unavailable;
  }
}
