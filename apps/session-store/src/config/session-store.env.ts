import { SERVICES } from '@voxbridge/contracts';
import { DatabaseServiceEnv } from '@voxbridge/platform';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

/** Environment of session-store (see apps/session-store/README.md). */
export class SessionStoreEnv extends DatabaseServiceEnv {
  override HTTP_PORT = SERVICES['session-store'].defaultPort;

  /** How long a history answer may be served from memory (0: no cache). Writes drop it earlier. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(60_000)
  HISTORY_CACHE_TTL_MS = 5_000;

  /** Sessions whose histories are kept in memory at most. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100_000)
  HISTORY_CACHE_MAX_SESSIONS = 1_000;

  /**
   * Committed turns written at once. Writes are idempotent per turn and turns of one conversation
   * arrive seconds apart, so they need no global order; more than the DB pool only queues.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  TURN_WRITE_CONCURRENCY = 8;

  /**
   * Deliveries of a durable message (a committed turn, an agent event) before it is moved to the
   * dead-letter stream; retries back off from 1 s, doubling up to 30 s (10: about 2.5 minutes).
   * Data Postgres refuses is dead-lettered at the first delivery.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  DURABLE_MAX_DELIVERIES = 10;

  /**
   * A voice turn whose facts stopped coming for this long (a stage died mid-turn) is written with
   * what there is, as interrupted with what was actually played. Longer than an LLM may think
   * before its first token (tts-gateway reports progress every second while it speaks).
   */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  @Max(600_000)
  TURN_ASSEMBLY_TIMEOUT_MS = 45_000;

  /**
   * An active `webrtc` session that nobody has been connected to (no pipeline lease held) and that
   * got no message for this long is ended (abandoned: tab closed, browser crashed, fleet stopped).
   * 0: never.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(604_800_000)
  SESSION_IDLE_END_MS = 600_000;
}
