import { Injectable } from '@nestjs/common';
import { Bus, SessionLeases, type ClaimResult } from '@voxbridge/bus';
import { AppLogger, ServiceIdentity } from '@voxbridge/platform';
import { TtsGatewayEnv } from '../config/tts-gateway.env';
import { SessionsError, SessionsErrorCode } from './sessions.errors';

/**
 * This replica's `tts` session leases (JetStream KV), opened on the first claim so a replica that
 * never speaks creates no bucket. `onLapsed` tells the sessions feature which sessions to drop.
 */
@Injectable()
export class LeaseBook {
  private opening: Promise<SessionLeases> | undefined;
  private lapsedListener: ((sessionId: string) => void) | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly identity: ServiceIdentity,
    private readonly config: TtsGatewayEnv,
    private readonly logger: AppLogger,
  ) {}

  get leaseMs(): number {
    return this.config.TTS_LEASE_MS;
  }

  get instanceId(): string {
    return this.identity.instanceId;
  }

  onLapsed(listener: (sessionId: string) => void): void {
    this.lapsedListener = listener;
  }

  async claim(sessionId: string): Promise<ClaimResult> {
    const leases = await this.leases();
    try {
      return await leases.claim(sessionId);
    } catch (error) {
      throw new SessionsError(SessionsErrorCode.LeasesUnavailable, 'session lease store unavailable', { cause: error });
    }
  }

  async release(sessionId: string): Promise<void> {
    if (!this.opening) return;
    const leases = await this.opening;
    await leases.release(sessionId);
  }

  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    if (!opening) return;
    const leases = await opening.catch((error: unknown) => {
      // It never opened: there is nothing to give back.
      this.logger.debug('tts session leases were never opened', { err: error });
      return undefined;
    });
    await leases?.close();
  }

  private leases(): Promise<SessionLeases> {
    this.opening ??= SessionLeases.open(this.bus, {
      kind: 'tts',
      instanceId: this.identity.instanceId,
      leaseMs: this.config.TTS_LEASE_MS,
      onLapsed: (sessionId) => this.lapsedListener?.(sessionId),
      onError: (error, sessionId) => this.logger.warn('tts session lease renewal failed', { session_id: sessionId, err: error }),
    });
    const opening = this.opening;
    return opening.catch((error: unknown) => {
      if (this.opening === opening) this.opening = undefined;
      throw new SessionsError(SessionsErrorCode.LeasesUnavailable, 'session lease store unavailable', { cause: error });
    });
  }
}
