import { Injectable } from '@nestjs/common';
import { Bus } from '@voxbridge/bus';
import type { Subject } from '@voxbridge/contracts';

/** How long agent-api waits for session-store before answering 504. */
export const SESSION_STORE_TIMEOUT_MS = 2_000;

/**
 * session-store over the bus (its queue group answers). Failures surface as the Bus's typed
 * errors (no responders, timeout, remote error with a code); the HTTP edge translates them.
 */
@Injectable()
export class SessionStoreClient {
  constructor(private readonly bus: Bus) {}

  request<Res extends object>(subject: Subject, body: object): Promise<Res> {
    return this.bus.requestJson<Res>(subject, body, { timeoutMs: SESSION_STORE_TIMEOUT_MS });
  }
}
