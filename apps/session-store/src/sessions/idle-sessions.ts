import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, SessionLeases } from '@voxbridge/bus';
import { SessionSubjects } from '@voxbridge/contracts';
import { AppLogger } from '@voxbridge/platform';
import { SessionStoreEnv } from '../config/session-store.env';
import { toSessionDto } from './session.mapper';
import { SessionsRepository } from './sessions.repository';

/** Sessions looked at per sweep at most (the rest wait for the next one). */
const SWEEP_BATCH = 100;

/**
 * Ends abandoned voice sessions: an active `webrtc` session with no message, reactivation or
 * sign of life for SESSION_IDLE_END_MS, whose pipeline no gateway holds, is ended (`ended_at`,
 * `sessionEnded` announced), as if its client had said `end`. A session a gateway still holds is
 * marked seen instead, so its grace period starts when the socket goes. A resumed session
 * (the gateway reactivates it) goes on as before.
 */
@Injectable()
export class IdleSessionsSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private readonly leases: SessionLeases;
  private readonly logger: AppLogger;

  constructor(
    private readonly bus: Bus,
    private readonly sessions: SessionsRepository,
    private readonly config: SessionStoreEnv,
    logger: AppLogger,
  ) {
    this.leases = new SessionLeases(bus);
    this.logger = logger.child({ component: 'idle-sessions' });
  }

  onApplicationBootstrap(): void {
    const idleMs = this.config.SESSION_IDLE_END_MS;
    if (idleMs === 0) return;
    // A few looks per grace period, at most one a minute.
    this.timer = setInterval(() => this.tick(), Math.min(60_000, Math.max(250, Math.floor(idleMs / 4))));
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** One sweep; the sessions it ended. */
  async sweep(): Promise<string[]> {
    const idleMs = this.config.SESSION_IDLE_END_MS;
    const ended: string[] = [];
    for (const id of await this.sessions.idleCandidates(idleMs, SWEEP_BATCH)) {
      if (await this.leases.held(id)) {
        await this.sessions.touch(id);
        continue;
      }
      const row = await this.sessions.endIfIdle(id, idleMs);
      if (!row) continue;
      ended.push(id);
      this.logger.info('abandoned voice session ended', { session_id: id, idle_ms: idleMs });
      this.bus.publishJson(SessionSubjects.sessionEnded, toSessionDto(row));
    }
    return ended;
  }

  private tick(): void {
    if (this.sweeping) return;
    this.sweeping = this.sweep()
      .then(() => undefined)
      .catch((error: unknown) => this.logger.warn('abandoned sessions not swept; the next sweep retries', { err: error }))
      .finally(() => (this.sweeping = undefined));
  }
}
