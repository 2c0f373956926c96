import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Bus, type BusSubscription } from '@voxbridge/bus';
import { AgentContracts, ErrorCode, queueGroup } from '@voxbridge/contracts';
import type { AgentView } from './agent.model';
import { AgentsError, AgentsErrorCode } from './agents.errors';
import { AgentsService } from './agents.service';

/** A refusal as the bus sends it back: `Bus` turns `code`, `message` and `fields` into an error reply. */
class AgentsBusRefusal extends Error {
  override readonly name = 'AgentsBusRefusal';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: Record<string, string[]>,
  ) {
    super(message);
  }
}

/** AgentsError → the fleet's error code on the bus. Exhaustive over AgentsErrorCode. */
export function agentsBusError(error: AgentsError): AgentsBusRefusal {
  switch (error.code) {
    case AgentsErrorCode.NotFound:
      return new AgentsBusRefusal(ErrorCode.NotFound, error.message);
    case AgentsErrorCode.NameTaken:
      return new AgentsBusRefusal(ErrorCode.Conflict, error.message);
    case AgentsErrorCode.Invalid:
      return new AgentsBusRefusal(ErrorCode.ValidationFailed, error.message, error.fields);
    case AgentsErrorCode.EncryptionKeyMissing:
      return new AgentsBusRefusal(ErrorCode.EncryptionKeyMissing, error.message, error.fields);
  }
}

/**
 * Bus edge of the agents feature: `agents.v1.agent.get` for the pipeline services (llm-router,
 * tts-gateway, …), answered by any replica (queue group `<ns>.agent-api`) with the agent exactly as
 * `GET /api/agents/:id` shows it — plugin secrets masked.
 */
@Injectable()
export class AgentsHandlers implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscriptions: BusSubscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly agents: AgentsService,
  ) {}

  onApplicationBootstrap(): void {
    const queue = queueGroup(this.bus.namespace, 'agent-api');
    this.subscriptions = [this.bus.serve(AgentContracts.get, ({ id }) => this.get(id), { queue })];
  }

  async onApplicationShutdown(): Promise<void> {
    const subscriptions = this.subscriptions;
    this.subscriptions = [];
    for (const subscription of subscriptions) subscription.unsubscribe();
    await Promise.all(subscriptions.map((subscription) => subscription.closed));
  }

  /** The AgentDto of the contract (its `stt_language` is typed non-null there, nullable here: reported). */
  private async get(id: string): Promise<AgentView> {
    try {
      return await this.agents.get(id);
    } catch (error) {
      throw error instanceof AgentsError ? agentsBusError(error) : error;
    }
  }
}
