import { Bus, BusError, BusRemoteError, type BusSubscription } from '@voxbridge/bus';
import { AgentIdRequest, AgentSubjects, ErrorCode, queueGroup, type AgentDto } from '@voxbridge/contracts';
import { randomUUID } from 'node:crypto';

/** An agent as agent-api serves it, with test-friendly defaults (local engines, Berlin time). */
export function agentDto(overrides: Partial<AgentDto> = {}): AgentDto {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    name: 'Auren',
    description: null,
    system_prompt: 'You are Auren, a terse assistant.',
    temperature: 0.4,
    llm_provider: 'openai_compatible',
    llm_model: 'llama3.2',
    llm_base_url: null,
    n8n_webhook_url: null,
    fallback: [],
    is_default: false,
    stt_provider: 'local',
    stt_language: 'en',
    silence_ms: 600,
    max_utterance_ms: 30_000,
    tts_provider: 'local',
    tts_voice: null,
    tts_exaggeration: 0.5,
    tts_cfg_weight: 0.5,
    tts_temperature: 0.8,
    tts_language: 'en',
    tts_speed: 1,
    filter_actions_for_tts: true,
    timezone: 'Europe/Berlin',
    plugins: {},
    created_at: now,
    updated_at: now,
    ...overrides,
  };
}

/**
 * agent-api's `agents.v1.agent.get` on the real bus, in agent-api's queue group, answering from a
 * map — for testing the pipeline services without booting agent-api. Unknown ids get `not_found`,
 * exactly as agent-api answers.
 */
export class FakeAgentDirectory {
  private readonly agents = new Map<string, AgentDto>();
  private readonly subscription: BusSubscription;

  constructor(private readonly bus: Bus) {
    this.subscription = bus.serveJson(
      AgentSubjects.get,
      AgentIdRequest,
      (req) => {
        const found = this.agents.get(req.id);
        if (!found) throw new BusError(ErrorCode.NotFound, `agent ${req.id} not found`);
        return found;
      },
      { queue: queueGroup(bus.namespace, 'agent-api') },
    );
  }

  /** Registers an agent (defaults from `agentDto`) and returns it. */
  add(overrides: Partial<AgentDto> = {}): AgentDto {
    const agent = agentDto(overrides);
    this.agents.set(agent.id, agent);
    return agent;
  }

  /** Changes an agent and announces it as agent-api does (`agents.v1.evt.agent.updated`, flushed). */
  async update(id: string, changes: Partial<AgentDto>): Promise<AgentDto> {
    const found = this.agents.get(id);
    if (!found) throw new Error(`no agent ${id} in the fake directory`);
    const updated = { ...found, ...changes, id, updated_at: new Date().toISOString() };
    this.agents.set(id, updated);
    this.bus.publishJson(AgentSubjects.updated, { id, agent: updated });
    await this.bus.connection.flush();
    return updated;
  }

  stop(): void {
    this.subscription.unsubscribe();
  }
}

/** The error reply a bus request must end with (fails the test when it succeeds or fails otherwise). */
export async function remoteFailure(call: Promise<unknown>): Promise<BusRemoteError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof BusRemoteError) return error;
    throw error;
  }
  throw new Error('expected an error reply');
}
