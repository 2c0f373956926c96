import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, type DurableConsumer } from '@voxbridge/bus';
import { AgentEvent, AgentSubjects } from '@voxbridge/contracts';
import { DeadLetterPolicy } from '../dead-letters/dead-letters.policy';
import { SessionsService } from '../sessions/sessions.service';

export const AGENTS_DURABLE = 'session-store-agents';

/**
 * Durable consumer of `agent deleted`: removes the agent's sessions (messages cascade). No
 * cross-schema foreign key, so this event is what keeps session_store consistent with agent_api.
 */
@Injectable()
export class AgentEventsHandlers implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer: DurableConsumer | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly sessions: SessionsService,
    private readonly deadLetters: DeadLetterPolicy,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // agent-api ensures the same stream; either may come up first, and ensureStream is idempotent.
    await this.bus.ensureStream('agents', [AgentSubjects.created, AgentSubjects.updated, AgentSubjects.deleted]);
    this.consumer = await this.bus.consumeDurable(
      'agents',
      AGENTS_DURABLE,
      AgentSubjects.deleted,
      AgentEvent,
      async (event) => {
        await this.sessions.deleteByAgent(event.id);
      },
      this.deadLetters.options(),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = undefined;
  }
}
