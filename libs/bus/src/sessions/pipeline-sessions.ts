import { PIPELINE_STAGES, sessionProtocol, STAGE_SERVICE, type PipelineStage, type SessionClaimReply, type ServiceName } from '@voxbridge/contracts';
import type { Bus } from '../bus';
import { BusNoRespondersError } from '../errors';
import { errorFields, type BusLogger } from '../logger';

/** A stage could not be claimed: which one, and the bus failure (no responders, timeout, refusal). */
export class PipelineStageError extends Error {
  override readonly name = 'PipelineStageError';

  constructor(
    readonly stage: PipelineStage,
    readonly service: ServiceName,
    override readonly cause: unknown,
  ) {
    super(`${service} could not take the session`, { cause });
  }
}

/** What a gateway hears about its session's stages. */
export interface PipelineSessionEvents {
  /** A claim failed (the heartbeat's, or a reclaim after the holder was gone): tell the user which stage. */
  stageFailed?(failure: PipelineStageError): void;
  /** A stage that had failed answers again. */
  stageRecovered?(stage: PipelineStage): void;
  /** Another replica holds the stage now (its holder died or handed it over). */
  stageMoved?(stage: PipelineStage, move: { from: string | undefined; to: string; tookOver: boolean }): void;
}

export interface PipelineSessionsOptions {
  /** The lease asked of the workers; the heartbeat claims every third of it. */
  leaseMs: number;
  /** How often each holding replica is pinged (once per replica, whatever its number of sessions). */
  probeMs?: number;
  stages?: readonly PipelineStage[];
  logger: BusLogger;
}

const DEFAULT_PROBE_MS = 250;

/**
 * The gateway side of the voice session protocol, written once for every gateway (webrtc,
 * Discord): opens a session across the pipeline (a claim per stage), keeps it (a heartbeat
 * claim every lease/3), watches the replicas that hold its stages (one ping per replica every
 * `probeMs`) and claims again at once when one is gone — another replica takes it over — and
 * releases it. One instance per gateway process.
 */
export class PipelineSessions {
  private readonly sessions = new Set<PipelineSession>();
  private readonly stages: readonly PipelineStage[];
  private readonly probeMs: number;
  private probeTimer: NodeJS.Timeout | undefined;
  private probing: Promise<void> | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly options: PipelineSessionsOptions,
  ) {
    this.stages = options.stages ?? PIPELINE_STAGES;
    this.probeMs = options.probeMs ?? DEFAULT_PROBE_MS;
  }

  /**
   * Claims the session from every stage. Throws the first PipelineStageError once all answered,
   * after releasing the stages that were taken.
   */
  async open(sessionId: string, agentId: string, events: PipelineSessionEvents = {}): Promise<PipelineSession> {
    const session = new PipelineSession(this.bus, sessionId, agentId, this.stages, this.options, events, () => this.forget(session));
    const failures = await session.claimAll();
    const [first] = failures;
    if (first) {
      await session.release();
      throw first;
    }
    session.startHeartbeat();
    this.sessions.add(session);
    this.probeTimer ??= setInterval(() => this.probe(), this.probeMs);
    this.probeTimer.unref();
    return session;
  }

  /** Stops watching (the sessions are released by their owners). */
  close(): void {
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }

  private forget(session: PipelineSession): void {
    this.sessions.delete(session);
    if (this.sessions.size === 0) this.close();
  }

  /** One ping per holding replica; every session it held is claimed again when it is gone. */
  private probe(): void {
    if (this.probing) return;
    const holders = new Map<string, { stage: PipelineStage; instanceId: string; sessions: PipelineSession[] }>();
    for (const session of this.sessions) {
      for (const [stage, instanceId] of session.holders()) {
        const key = `${stage}:${instanceId}`;
        const entry = holders.get(key) ?? { stage, instanceId, sessions: [] };
        entry.sessions.push(session);
        holders.set(key, entry);
      }
    }
    this.probing = Promise.all(
      [...holders.values()].map(async ({ stage, instanceId, sessions }) => {
        try {
          await this.bus.call(sessionProtocol(stage).ping(instanceId), {});
        } catch (error) {
          // A timeout is a busy replica, not a dead one: the heartbeat decides then.
          if (!(error instanceof BusNoRespondersError)) return;
          this.options.logger.warn('pipeline replica gone; claiming its sessions again', { stage, instance_id: instanceId, sessions: sessions.length });
          await Promise.all(sessions.map((session) => session.reclaim(stage, instanceId)));
        }
      }),
    )
      .then(() => undefined)
      .catch((error: unknown) => this.options.logger.error('pipeline probe failed', errorFields(error)))
      .finally(() => (this.probing = undefined));
  }
}

/** One voice session held across the pipeline by a gateway. */
export class PipelineSession {
  private readonly owners = new Map<PipelineStage, string>();
  private readonly failing = new Set<PipelineStage>();
  private readonly reclaiming = new Map<PipelineStage, Promise<void>>();
  private heartbeat: NodeJS.Timeout | undefined;
  private renewal: Promise<void> | undefined;
  private released: Promise<void> | undefined;

  constructor(
    private readonly bus: Bus,
    readonly sessionId: string,
    private readonly agentId: string,
    private readonly stages: readonly PipelineStage[],
    private readonly options: PipelineSessionsOptions,
    private readonly events: PipelineSessionEvents,
    private readonly onReleased: () => void,
  ) {}

  /** The replica holding each stage, as last answered. */
  holders(): Array<[PipelineStage, string]> {
    return [...this.owners];
  }

  /** Claims every stage; the failures, once all answered. */
  async claimAll(): Promise<PipelineStageError[]> {
    const results = await Promise.all(this.stages.map((stage) => this.claim(stage)));
    return results.filter((failure): failure is PipelineStageError => failure !== undefined);
  }

  startHeartbeat(): void {
    this.heartbeat = setInterval(() => this.beat(), Math.max(100, Math.floor(this.options.leaseMs / 3)));
    this.heartbeat.unref();
  }

  /** The holder of `stage` is gone: claim it again now (another replica takes it over). */
  reclaim(stage: PipelineStage, goneInstanceId: string): Promise<void> {
    if (this.released || this.owners.get(stage) !== goneInstanceId) return Promise.resolve();
    const pending = this.reclaiming.get(stage);
    if (pending) return pending;
    const work = this.claim(stage)
      .then((failure) => this.report(stage, failure))
      .finally(() => this.reclaiming.delete(stage));
    this.reclaiming.set(stage, work);
    return work;
  }

  /** Lets every stage go; never throws (a release nobody hears lapses with the lease). */
  release(): Promise<void> {
    this.released ??= this.releaseOnce();
    return this.released;
  }

  private async releaseOnce(): Promise<void> {
    clearInterval(this.heartbeat);
    await Promise.all([this.renewal, ...this.reclaiming.values()]);
    await Promise.all(
      this.stages.map((stage) =>
        this.bus.call(sessionProtocol(stage).release, { session_id: this.sessionId }).catch((error: unknown) => {
          this.options.logger.debug?.('pipeline release not answered', { session_id: this.sessionId, stage, ...errorFields(error) });
        }),
      ),
    );
    this.onReleased();
  }

  private beat(): void {
    if (this.renewal || this.released) return;
    this.renewal = Promise.all(this.stages.map(async (stage) => this.report(stage, await this.claim(stage))))
      .then(() => undefined)
      .finally(() => (this.renewal = undefined));
  }

  private async claim(stage: PipelineStage): Promise<PipelineStageError | undefined> {
    let reply: SessionClaimReply;
    try {
      reply = await this.bus.call(sessionProtocol(stage).claim, { session_id: this.sessionId, agent_id: this.agentId, lease_ms: this.options.leaseMs });
    } catch (error) {
      return new PipelineStageError(stage, STAGE_SERVICE[stage], error);
    }
    const before = this.owners.get(stage);
    this.owners.set(stage, reply.owner_instance_id);
    if (before !== undefined && before !== reply.owner_instance_id) {
      this.options.logger.warn('pipeline stage moved to another replica', { session_id: this.sessionId, stage, from_instance_id: before, to_instance_id: reply.owner_instance_id });
      this.events.stageMoved?.(stage, { from: before, to: reply.owner_instance_id, tookOver: reply.took_over_from !== undefined });
    }
    return undefined;
  }

  /** Tells the gateway once when a stage starts failing, and once when it answers again. */
  private report(stage: PipelineStage, failure: PipelineStageError | undefined): void {
    if (this.released) return;
    if (failure) {
      if (this.failing.has(stage)) return;
      this.failing.add(stage);
      this.options.logger.warn('pipeline stage claim failed', { session_id: this.sessionId, stage, ...errorFields(failure.cause) });
      this.events.stageFailed?.(failure);
    } else if (this.failing.delete(stage)) {
      this.options.logger.warn('pipeline stage answers again', { session_id: this.sessionId, stage });
      this.events.stageRecovered?.(stage);
    }
  }
}
