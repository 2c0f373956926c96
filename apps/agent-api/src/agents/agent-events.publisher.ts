import { Injectable, OnModuleInit } from '@nestjs/common';
import { Bus } from '@voxbridge/bus';
import { AgentSubjects, type AgentEvent } from '@voxbridge/contracts';
import { AppLogger } from '@voxbridge/platform';
import type { AgentView } from './agent.model';

const STREAM_DOMAIN = 'agents';

/**
 * Durable agent events (JetStream), published after the change committed. session-store drops an
 * agent's sessions on `deleted`; plugin-supervisor starts / stops plugins on all three.
 */
@Injectable()
export class AgentEventsPublisher implements OnModuleInit {
  private readonly logger: AppLogger;

  constructor(
    private readonly bus: Bus,
    logger: AppLogger,
  ) {
    this.logger = logger.child({ component: 'agent-events' });
  }

  async onModuleInit(): Promise<void> {
    await this.bus.ensureStream(STREAM_DOMAIN, [AgentSubjects.created, AgentSubjects.updated, AgentSubjects.deleted]);
  }

  created(agent: AgentView): Promise<void> {
    return this.publish('created', { id: agent.id, agent }, `${agent.id}:created`);
  }

  updated(agent: AgentView): Promise<void> {
    return this.publish('updated', { id: agent.id, agent }, `${agent.id}:updated:${agent.updated_at}`);
  }

  deleted(id: string): Promise<void> {
    return this.publish('deleted', { id }, `${id}:deleted`);
  }

  /**
   * The change is committed either way; a failed publish is logged for the operator rather than
   * failing a request whose effect already happened.
   */
  private async publish(kind: 'created' | 'updated' | 'deleted', event: AgentEvent, msgId: string): Promise<void> {
    try {
      await this.bus.publishDurable(AgentSubjects[kind], event, { msgId });
    } catch (error) {
      this.logger.error('agent event not published', { agent_id: event.id, event: kind, err: error });
    }
  }
}
