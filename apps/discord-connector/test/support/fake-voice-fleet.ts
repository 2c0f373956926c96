import type { Bus, BusSubscription } from '@voxbridge/bus';
import { PIPELINE_STAGES, queueGroup, SessionContracts, sessionProtocol, STAGE_SERVICE, type SessionDto } from '@voxbridge/contracts';
import { randomUUID } from 'node:crypto';

/**
 * session-store's session calls (create, list, update) and the pipeline stages' claims, answered on the real bus: enough
 * for a bot to open a channel's conversation in tests about the bots themselves (no audio flows).
 * The voice tests run the real services instead.
 */
export class FakeVoiceFleet {
  readonly sessions = new Map<string, SessionDto>();
  readonly claimed = new Set<string>();
  readonly released: string[] = [];
  private readonly subscriptions: BusSubscription[] = [];
  private readonly instanceId = randomUUID();

  constructor(bus: Bus) {
    const ns = bus.namespace;
    this.subscriptions.push(
      bus.serve(
        SessionContracts.create,
        (req) => {
          const session: SessionDto = {
            id: randomUUID(),
            user_id: req.user_id,
            user_name: req.user_name ?? null,
            title: req.title ?? '',
            agent_id: req.agent_id,
            active: true,
            started_at: new Date().toISOString(),
            ended_at: null,
            session_type: req.session_type ?? 'web',
            session_metadata: req.session_metadata ?? {},
            message_count: 0,
          };
          this.sessions.set(session.id, session);
          return session;
        },
        { queue: queueGroup(ns, 'session-store') },
      ),
      bus.serve(
        SessionContracts.list,
        (req) => ({
          items: [...this.sessions.values()]
            .filter((s) => (req.user_id === undefined || s.user_id === req.user_id) && (req.agent_id === undefined || s.agent_id === req.agent_id) && (req.active === undefined || s.active === req.active))
            .reverse()
            .slice(0, req.limit ?? 50),
          next_cursor: null,
        }),
        { queue: queueGroup(ns, 'session-store') },
      ),
      bus.serve(
        SessionContracts.update,
        (req) => {
          const session = this.sessions.get(req.id);
          if (!session) throw new Error('unknown session');
          session.active = req.active ?? session.active;
          return session;
        },
        { queue: queueGroup(ns, 'session-store') },
      ),
    );
    for (const stage of PIPELINE_STAGES) {
      const protocol = sessionProtocol(stage);
      const queue = { queue: queueGroup(ns, STAGE_SERVICE[stage]) };
      this.subscriptions.push(
        bus.serve(
          protocol.claim,
          (req) => {
            const taken = !this.claimed.has(`${stage}:${req.session_id}`);
            this.claimed.add(`${stage}:${req.session_id}`);
            return { session_id: req.session_id, owner_instance_id: this.instanceId, lease_ms: req.lease_ms ?? 15_000, taken };
          },
          queue,
        ),
        bus.serve(
          protocol.release,
          (req) => {
            this.released.push(`${stage}:${req.session_id}`);
            return { session_id: req.session_id, released: this.claimed.delete(`${stage}:${req.session_id}`) };
          },
          queue,
        ),
        bus.serve(protocol.ping(this.instanceId), () => ({ instance_id: this.instanceId, sessions: this.claimed.size })),
      );
    }
  }

  stop(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }
}
