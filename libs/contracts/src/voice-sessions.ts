import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { requestContract, type RequestContract } from './contract';
import type { ServiceName } from './services';
import { controlSubject, instanceSubject } from './subjects';

/**
 * The voice session protocol (ARCHITECTURE §3): how a gateway gets one replica of each pipeline
 * stage to work on a session, keeps it, and gets a new one at once when that replica dies.
 *
 * - `claim` goes to the stage's queue group. The replica that answers takes the session if nobody
 *   holds it (a JetStream-KV lease), or asks the holder (`renew`, to that replica only) whether it
 *   still does; a holder that is gone (no responders) or says no is taken over at once.
 * - The gateway repeats `claim` every `lease_ms / 3` as its heartbeat; without it for `lease_ms`
 *   the holder lets the session go. It also pings each holder (`ping`, one per replica, not per
 *   session) a few times a second and claims again at once when one is gone.
 * - `release` goes to every replica (no queue group); only the holder acts.
 */
export const PIPELINE_STAGES = ['stt', 'llm', 'tts'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];
/**
 * What the same lease protocol holds: a pipeline stage's sessions, or discord-connector's bots
 * (one live Discord client per bot token across replicas).
 */
export type LeaseDomain = PipelineStage | 'discord' | 'plugins';

/** The service that runs each stage. */
export const STAGE_SERVICE: Record<PipelineStage, ServiceName> = { stt: 'stt-gateway', llm: 'llm-router', tts: 'tts-gateway' };

export class SessionClaimRequest {
  @IsUUID() session_id!: string;
  @IsUUID() agent_id!: string;
  /** The lease the gateway would like; informational: each stage applies its own (`<STAGE>_LEASE_MS`) and the reply says which. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1_000) @Max(120_000) lease_ms?: number;
}

export class SessionClaimReply {
  @IsUUID() session_id!: string;
  /** The replica holding the session now (may differ from the one that answered). */
  @IsUUID() owner_instance_id!: string;
  @IsInt() @Min(1) lease_ms!: number;
  /** This request made the answering replica take the session (first claim or takeover). */
  @IsBoolean() taken!: boolean;
  /** The replica it was taken from, when it was a takeover. */
  @IsOptional() @IsUUID() took_over_from?: string;
}

export class SessionReleaseRequest {
  @IsUUID() session_id!: string;
}

export class SessionReleaseReply {
  @IsUUID() session_id!: string;
  /** The answering replica held the session and let it go. */
  @IsBoolean() released!: boolean;
}

/** To the holder only: a gateway still wants the session; renew it if you hold it. */
export class SessionRenewRequest {
  @IsUUID() session_id!: string;
}

export class SessionRenewReply {
  @IsUUID() session_id!: string;
  @IsBoolean() held!: boolean;
}

export class InstancePingRequest {
  /** Who asks (for the replica's logs); a class-validator class needs at least one decorated field. */
  @IsOptional() @IsUUID() asker_instance_id?: string;
}

export class InstancePingReply {
  @IsUUID() instance_id!: string;
  /** Sessions it holds now. */
  @IsInt() @Min(0) sessions!: number;
}

/** Claims fetch the agent and subscribe a worker: allow for a slow agent-api. */
const CLAIM_TIMEOUT_MS = 5_000;
/** Replica to replica on a claim's path, and the gateway's liveness pings: short by design. */
const INSTANCE_TIMEOUT_MS = 500;

export interface SessionProtocolContracts {
  claim: RequestContract<SessionClaimRequest, SessionClaimReply>;
  release: RequestContract<SessionReleaseRequest, SessionReleaseReply>;
  renew: (instanceId: string) => RequestContract<SessionRenewRequest, SessionRenewReply>;
  ping: (instanceId: string) => RequestContract<InstancePingRequest, InstancePingReply>;
}

/** The session protocol's calls for one pipeline stage. */
export function sessionProtocol(stage: LeaseDomain): SessionProtocolContracts {
  return {
    claim: requestContract({ subject: controlSubject(stage, 'session', 'claim'), request: SessionClaimRequest, reply: SessionClaimReply, timeoutMs: CLAIM_TIMEOUT_MS }),
    release: requestContract({ subject: controlSubject(stage, 'session', 'release'), request: SessionReleaseRequest, reply: SessionReleaseReply, timeoutMs: CLAIM_TIMEOUT_MS }),
    renew: (instanceId) =>
      requestContract({ subject: instanceSubject(stage, instanceId, 'renew'), request: SessionRenewRequest, reply: SessionRenewReply, timeoutMs: INSTANCE_TIMEOUT_MS }),
    ping: (instanceId) =>
      requestContract({ subject: instanceSubject(stage, instanceId, 'ping'), request: InstancePingRequest, reply: InstancePingReply, timeoutMs: INSTANCE_TIMEOUT_MS }),
  };
}
