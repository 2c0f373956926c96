import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AgentCache, Bus, BusRemoteError, describeCallFailure } from '@voxbridge/bus';
import { ErrorCode, SessionContracts, type AgentDto } from '@voxbridge/contracts';
import { AppLogger } from '@voxbridge/platform';
import { LlmRouterEnv } from '../config/llm-router.env';
import type { PromptHistoryMessage } from '../prompt/prompt-assembly';
import { TurnsError, TurnsErrorCode } from './turns.errors';

/**
 * What a turn needs from other services: the agent (agent-api, cached until agent-api announces a
 * change — a turn then waits for no agent-api round trip) and the history (session-store).
 */
@Injectable()
export class TurnInputs implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: AppLogger;
  private readonly agents: AgentCache;

  constructor(
    private readonly bus: Bus,
    private readonly config: LlmRouterEnv,
    logger: AppLogger,
  ) {
    this.logger = logger.child({ component: 'turn-inputs' });
    this.agents = new AgentCache(bus);
  }

  onApplicationBootstrap(): void {
    this.agents.start();
  }

  onApplicationShutdown(): void {
    this.agents.stop();
  }

  /** Throws TurnsError: not found, or agent-api unavailable. */
  async agent(agentId: string): Promise<AgentDto> {
    try {
      return await this.agents.get(agentId);
    } catch (error) {
      if (error instanceof BusRemoteError && error.code === ErrorCode.NotFound) {
        throw new TurnsError(TurnsErrorCode.AgentNotFound, `agent ${agentId} not found`, { cause: error });
      }
      throw new TurnsError(TurnsErrorCode.AgentUnavailable, `agent look-up failed: ${describeCallFailure('agent-api', error).message}`, { cause: error });
    }
  }

  /** Oldest first, assistant turns as heard. Never throws: without session-store the turn goes on without history. */
  async history(sessionId: string): Promise<PromptHistoryMessage[]> {
    try {
      const history = await this.bus.call(SessionContracts.history, {
        session_id: sessionId,
        max_turns: this.config.LLM_HISTORY_MAX_TURNS,
        max_chars: this.config.LLM_HISTORY_MAX_CHARS,
      });
      return history.messages.flatMap((m) =>
        m.role === 'user' || m.role === 'assistant' ? [{ role: m.role, content: m.content, ...(m.role === 'user' && m.speaker_name ? { speakerName: m.speaker_name } : {}) }] : [],
      );
    } catch (error) {
      this.logger.warn('history unavailable; turn goes on without it', { session_id: sessionId, err: error });
      return [];
    }
  }
}
