import { Injectable } from '@nestjs/common';
import { BusRemoteError } from '@voxbridge/bus';
import { ErrorCode } from '@voxbridge/contracts';
import { SessionsError } from '../sessions/sessions.errors';
import { SessionsService, type Caller } from '../sessions/sessions.service';

/** Who holds a /ws/events socket: enough to decide which sessions it may follow. */
export type Viewer = Caller;

export type Visibility = 'visible' | 'not_found';

/** Whether a viewer may follow a session (the rule of /api/sessions: admin all, client its own). */
@Injectable()
export class SessionVisibility {
  constructor(private readonly sessions: SessionsService) {}

  /** `not_found` for another key's session and for no session at all; throws when session-store cannot say. */
  async of(viewer: Viewer, sessionId: string): Promise<Visibility> {
    if (viewer.role === 'admin') return 'visible';
    try {
      await this.sessions.get(viewer, sessionId);
      return 'visible';
    } catch (error) {
      const code = error instanceof SessionsError || error instanceof BusRemoteError ? error.code : undefined;
      if (code === ErrorCode.NotFound) return 'not_found';
      throw error;
    }
  }
}
