import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, type BusSubscription } from '@voxbridge/bus';
import {
  queueGroup,
  SessionContracts,
  SessionSubjects,
  type CreateSessionRequest,
  type ListSessionsRequest,
  type SessionDeletedReply,
  type SessionDto,
  type SessionIdRequest,
  type SessionPage,
  type UpdateSessionRequest,
} from '@voxbridge/contracts';
import { SessionsError, sessionsErrorToBus } from './sessions.errors';
import { SessionsService } from './sessions.service';

/** Bus edge of the sessions feature: decoded requests → SessionsService → reply, live events, error codes. */
@Injectable()
export class SessionsHandlers implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscriptions: BusSubscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly sessions: SessionsService,
  ) {}

  onApplicationBootstrap(): void {
    const queue = queueGroup(this.bus.namespace, 'session-store');
    this.subscriptions = [
      this.bus.serve(SessionContracts.create, (req) => this.create(req), { queue }),
      this.bus.serve(SessionContracts.list, (req) => this.list(req), { queue }),
      this.bus.serve(SessionContracts.get, (req) => edge(() => this.sessions.get(req.id)), { queue }),
      this.bus.serve(SessionContracts.update, (req) => this.update(req), { queue }),
      this.bus.serve(SessionContracts.delete, (req) => this.delete(req), { queue }),
    ];
  }

  onApplicationShutdown(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions = [];
  }

  private async create(req: CreateSessionRequest): Promise<SessionDto> {
    const session = await this.sessions.create({
      userId: req.user_id,
      agentId: req.agent_id,
      userName: req.user_name,
      title: req.title,
      sessionType: req.session_type,
      sessionMetadata: req.session_metadata,
      createdByKeyId: req.created_by_key_id,
    });
    this.bus.publishJson(SessionSubjects.sessionCreated, session);
    return session;
  }

  private list(req: ListSessionsRequest): Promise<SessionPage> {
    return edge(() =>
      this.sessions.list({
        userId: req.user_id,
        agentId: req.agent_id,
        active: req.active,
        createdByKeyId: req.created_by_key_id,
        search: req.q,
        hasMessages: req.has_messages,
        limit: req.limit,
        cursor: req.cursor,
      }),
    );
  }

  private async update(req: UpdateSessionRequest): Promise<SessionDto> {
    const { session, ended } = await edge(() => this.sessions.update(req.id, { title: req.title, active: req.active }));
    if (ended) this.bus.publishJson(SessionSubjects.sessionEnded, session);
    return session;
  }

  private async delete(req: SessionIdRequest): Promise<SessionDeletedReply> {
    await edge(() => this.sessions.delete(req.id));
    return { id: req.id, deleted: true };
  }
}

/** Runs a service call, translating its SessionsError into the fleet's error codes. */
async function edge<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw error instanceof SessionsError ? sessionsErrorToBus(error) : error;
  }
}
