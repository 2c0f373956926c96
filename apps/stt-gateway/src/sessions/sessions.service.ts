import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Bus, BusError, describeCallFailure, SessionHost, type SessionClaim } from '@voxbridge/bus';
import { AgentContracts, ErrorCode, queueGroup, type AgentDto } from '@voxbridge/contracts';
import { AppLogger, ServiceIdentity, TurnFacts } from '@voxbridge/platform';
import { SttGatewayEnv } from '../config/stt-gateway.env';
import { SttProviderRegistry } from '../providers';
import { END_OF_TURN_DEFAULTS } from '../vad';
import { SessionWorker } from './session-worker';
import { SttSessionsError, SttSessionsErrorCode, sttSessionsErrorToBus } from './sessions.errors';
import { SttMetrics } from './stt.metrics';

/**
 * Which sessions this replica listens to: the session protocol's worker side (SessionHost, one
 * replica per session, takeover when the holder dies, hand-over on shutdown) starts a
 * SessionWorker with the claim's agent and stops it on release, `control` end, a lapsed lease or
 * shutdown.
 */
@Injectable()
export class SttSessionsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private host: SessionHost<SessionWorker> | undefined;
  private readonly providers: SttProviderRegistry;
  private readonly log: AppLogger;

  constructor(
    private readonly bus: Bus,
    private readonly identity: ServiceIdentity,
    private readonly env: SttGatewayEnv,
    private readonly metrics: SttMetrics,
    private readonly facts: TurnFacts,
    logger: AppLogger,
  ) {
    this.log = logger.child({ component: 'stt-sessions' });
    this.providers = new SttProviderRegistry({
      whisperxUrl: env.WHISPERX_URL,
      openAiBaseUrl: env.STT_OPENAI_BASE_URL,
      openAiModel: env.STT_OPENAI_MODEL,
      openAiApiKey: env.STT_OPENAI_API_KEY,
      localBinary: env.STT_LOCAL_BINARY,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.host = await SessionHost.open<SessionWorker>(this.bus, {
      stage: 'stt',
      instanceId: this.identity.instanceId,
      leaseMs: this.env.STT_LEASE_MS,
      queue: queueGroup(this.bus.namespace, 'stt-gateway'),
      logger: this.log,
      start: (claim) => this.start(claim),
      stop: async (worker) => {
        await worker.stop();
        this.metrics.sessionsActive(this.sessionCount());
      },
    });
  }

  /** Hands every session to another replica (or lets it go), then stops listening. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.host?.close();
  }

  sessionCount(): number {
    return this.host?.sessions().length ?? 0;
  }

  private async start({ sessionId, agentId }: SessionClaim): Promise<SessionWorker> {
    try {
      const agent = await this.fetchAgent(agentId);
      const worker = this.startWorker(sessionId, agent);
      this.metrics.sessionsActive(this.sessionCount());
      return worker;
    } catch (error) {
      throw error instanceof SttSessionsError ? sttSessionsErrorToBus(error) : error;
    }
  }

  private startWorker(sessionId: string, agent: AgentDto): SessionWorker {
    const provider = this.providers.resolve(agent.stt_provider);
    const worker = new SessionWorker(
      {
        sessionId,
        agentId: agent.id,
        language: agent.stt_language || 'en',
        silenceMs: positive(agent.silence_ms, END_OF_TURN_DEFAULTS.silenceMs),
        maxUtteranceMs: positive(agent.max_utterance_ms, END_OF_TURN_DEFAULTS.maxUtteranceMs),
        provider,
        howToConfigure: this.providers.howToConfigure(agent.stt_provider),
        onEnd: () => void this.host?.end(sessionId),
        deadlines: agent.deadlines,
        speakerIdleMs: this.env.STT_SPEAKER_IDLE_MS,
        maxSpeakers: this.env.STT_MAX_SPEAKERS_PER_SESSION,
      },
      { bus: this.bus, logger: this.log, metrics: this.metrics, facts: this.facts },
    );
    worker.start();
    this.log.info('stt session worker started', { session_id: sessionId, agent_id: agent.id, provider: worker.providerName });
    return worker;
  }

  private async fetchAgent(agentId: string): Promise<AgentDto> {
    try {
      return await this.bus.call(AgentContracts.get, { id: agentId });
    } catch (error) {
      if (error instanceof BusError && error.code === ErrorCode.NotFound) {
        this.metrics.messageRejected('agent_not_found');
        throw new SttSessionsError(SttSessionsErrorCode.AgentNotFound, `agent ${agentId} not found`, { cause: error });
      }
      this.metrics.messageRejected('agent_unavailable');
      throw new SttSessionsError(SttSessionsErrorCode.AgentUnavailable, `agent look-up failed: ${describeCallFailure('agent-api', error).message}`, { cause: error });
    }
  }
}

function positive(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}
