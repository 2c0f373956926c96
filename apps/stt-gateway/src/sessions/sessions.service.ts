import { BeforeApplicationShutdown, Injectable, OnModuleInit } from '@nestjs/common';
import { Bus, BusError, SessionLeases } from '@voxbridge/bus';
import { AgentSubjects, ErrorCode, type AgentDto } from '@voxbridge/contracts';
import { AppLogger, ServiceIdentity } from '@voxbridge/platform';
import { SttGatewayEnv } from '../config/stt-gateway.env';
import { SttProviderRegistry } from '../providers';
import { END_OF_TURN_DEFAULTS } from '../vad';
import { SessionWorker } from './session-worker';
import { SttSessionsError, SttSessionsErrorCode } from './sessions.errors';
import { SttMetrics } from './stt.metrics';

const AGENT_TIMEOUT_MS = 2_000;

export interface ClaimOutcome {
  ownerInstanceId: string;
  leaseMs: number;
  taken: boolean;
}

export type StopReason = 'released' | 'control_end' | 'lease_lapsed' | 'shutdown';

/**
 * Which sessions this replica listens to: a session is taken through SessionLeases (one replica
 * per session), its agent fetched from agent-api, then a SessionWorker runs until release,
 * `control` end, a lapsed lease or shutdown.
 */
@Injectable()
export class SttSessionsService implements OnModuleInit, BeforeApplicationShutdown {
  private leases!: SessionLeases;
  private readonly workers = new Map<string, SessionWorker>();
  private readonly providers: SttProviderRegistry;
  private readonly log: AppLogger;

  constructor(
    private readonly bus: Bus,
    private readonly identity: ServiceIdentity,
    private readonly env: SttGatewayEnv,
    private readonly metrics: SttMetrics,
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

  async onModuleInit(): Promise<void> {
    this.leases = await SessionLeases.open(this.bus, {
      kind: 'stt',
      instanceId: this.identity.instanceId,
      leaseMs: this.env.STT_LEASE_MS,
      onLapsed: (sessionId) => void this.stop(sessionId, 'lease_lapsed'),
      onError: (error, sessionId) => this.log.warn('stt lease renewal failed', { session_id: sessionId, err: error }),
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.workers.keys()].map((sessionId) => this.stop(sessionId, 'shutdown')));
    await this.leases?.close();
  }

  holds(sessionId: string): boolean {
    return this.leases.holds(sessionId);
  }

  /** Takes the session (and starts listening), renews it, or names the replica that holds it. */
  async claim(sessionId: string, agentId: string): Promise<ClaimOutcome> {
    const result = await this.leases.claim(sessionId);
    if (result.taken) {
      try {
        const agent = await this.fetchAgent(agentId);
        // A release or `end` may have arrived while agent-api answered.
        if (this.leases.holds(sessionId) && !this.workers.has(sessionId)) this.startWorker(sessionId, agent);
        // Answer once the server has the worker's subscriptions: frames sent right after count.
        await this.bus.connection.flush();
      } catch (error) {
        await this.leases.release(sessionId);
        throw error;
      }
    }
    return { ownerInstanceId: result.ownerInstanceId, leaseMs: this.env.STT_LEASE_MS, taken: result.taken };
  }

  /** Stops listening and frees the lease; false when this replica did not hold the session. */
  async release(sessionId: string, reason: StopReason = 'released'): Promise<boolean> {
    const held = this.leases.holds(sessionId) || this.workers.has(sessionId);
    await this.stop(sessionId, reason);
    await this.leases.release(sessionId);
    return held;
  }

  sessionCount(): number {
    return this.workers.size;
  }

  private startWorker(sessionId: string, agent: AgentDto): void {
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
        onEnd: () => void this.release(sessionId, 'control_end').catch((error: unknown) => this.log.error('stt session end failed', { session_id: sessionId, err: error })),
      },
      { bus: this.bus, logger: this.log, metrics: this.metrics },
    );
    this.workers.set(sessionId, worker);
    worker.start();
    this.metrics.sessionsActive(this.workers.size);
    this.log.info('stt session taken', { session_id: sessionId, agent_id: agent.id, provider: worker.providerName });
  }

  private async stop(sessionId: string, reason: StopReason): Promise<void> {
    const worker = this.workers.get(sessionId);
    if (!worker) return;
    this.workers.delete(sessionId);
    this.metrics.sessionsActive(this.workers.size);
    await worker.stop();
    this.log.info('stt session stopped', { session_id: sessionId, reason });
  }

  private async fetchAgent(agentId: string): Promise<AgentDto> {
    try {
      return await this.bus.requestJson<AgentDto>(AgentSubjects.get, { id: agentId }, { timeoutMs: AGENT_TIMEOUT_MS });
    } catch (error) {
      if (error instanceof BusError && error.code === ErrorCode.NotFound) {
        this.metrics.messageRejected('agent_not_found');
        throw new SttSessionsError(SttSessionsErrorCode.AgentNotFound, `agent ${agentId} not found`, { cause: error });
      }
      this.metrics.messageRejected('agent_unavailable');
      const detail = error instanceof BusError ? error.code : 'error';
      throw new SttSessionsError(SttSessionsErrorCode.AgentUnavailable, `agent-api could not be asked for the agent (${detail})`, { cause: error });
    }
  }
}

function positive(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}
