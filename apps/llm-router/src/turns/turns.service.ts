import { Injectable } from '@nestjs/common';
import { ErrorCode, type AgentDto } from '@voxbridge/contracts';
import { AppLogger } from '@voxbridge/platform';
import { LlmRouterEnv } from '../config/llm-router.env';
import { assemblePrompt } from '../prompt/prompt-assembly';
import { LlmFallbackExhaustedError } from '../providers/fallback';
import { LlmProviderError, LlmProviderErrorCode } from '../providers/llm-provider.errors';
import { ProviderChains } from './provider-chains';
import { buildCommittedTurn } from './turn-commit';
import { TurnInputs } from './turn-inputs';
import { TurnOutput, type ReplyWriter } from './turn-output';
import { TurnsError, turnsErrorCode } from './turns.errors';
import { TurnsMetrics } from './turns.metrics';

export interface TurnRequest {
  kind: 'voice' | 'text';
  sessionId: string;
  agentId: string;
  turnId: string;
  userText: string;
  speaker?: string;
  /** Several speakers: whose words; with a name, the prompt shows it ("Alice: …"). */
  speakerId?: string;
  speakerName?: string;
  /** Aborting stops the turn at once and closes the LLM request. */
  signal: AbortSignal;
  /** Already looked up (text turns check the agent before accepting). */
  agent?: AgentDto;
}

export interface TurnOutcome {
  outcome: 'done' | 'error' | 'cancelled';
  /** Everything the model said (all of it on `done`, up to the failure or cancel otherwise). */
  text: string;
  provider?: string;
  model?: string;
  llmTtftMs?: number;
  /** Error outcomes: the code the user was told. */
  errorCode?: string;
  /** Error outcomes: what went wrong, as the user was told it. */
  errorMessage?: string;
  /** Error outcomes: the provider that failed last (when none answered, `provider` is unset). */
  errorProvider?: string;
  /** Timeline marks (epoch ms): the request sent to the provider, its first token. */
  marks?: { llmRequestAtMs?: number; llmFirstTokenAtMs?: number };
}

export interface CommitRequest {
  request: Pick<TurnRequest, 'sessionId' | 'agentId' | 'turnId' | 'userText' | 'speaker'>;
  outcome: TurnOutcome;
}

/**
 * One turn, voice or text: agent + history → prompt → fallback chain → `reply` events. A text
 * turn is committed here (`commit`); a voice turn's answer is one of its durable facts, which
 * session-store assembles with what was heard.
 */
@Injectable()
export class TurnsService {
  private readonly logger: AppLogger;

  constructor(
    private readonly inputs: TurnInputs,
    private readonly chains: ProviderChains,
    private readonly output: TurnOutput,
    private readonly metrics: TurnsMetrics,
    private readonly config: LlmRouterEnv,
    logger: AppLogger,
  ) {
    this.logger = logger.child({ component: 'turns' });
  }

  /** Looks the agent up; throws TurnsError (not found, agent-api unavailable). */
  agent(agentId: string): Promise<AgentDto> {
    return this.inputs.agent(agentId);
  }

  async run(request: TurnRequest): Promise<TurnOutcome> {
    const ids = { session_id: request.sessionId, turn_id: request.turnId, agent_id: request.agentId };
    const replies = this.output.replies(request.sessionId, request.turnId);
    this.output.state(request.sessionId, request.turnId, 'thinking');
    const outcome = await this.stream(request, replies).catch((error: unknown): TurnOutcome => {
      this.logger.error('turn failed unexpectedly', { ...ids, err: error });
      const failure = { error_code: ErrorCode.Internal, error_message: 'llm-router failed on this turn; see its logs' };
      replies.emit('error', failure);
      return { outcome: 'error', text: '', errorCode: failure.error_code, errorMessage: failure.error_message };
    });
    this.metrics.turnEnded(request.kind, outcome.outcome);
    this.logger.info('turn ended', { ...ids, outcome: outcome.outcome, provider: outcome.provider, model: outcome.model, llm_ttft_ms: outcome.llmTtftMs });
    return outcome;
  }

  /** A text turn, as answered (nothing of it was spoken). */
  async commit({ request, outcome }: CommitRequest): Promise<void> {
    const event = buildCommittedTurn({
      turnId: request.turnId,
      sessionId: request.sessionId,
      agentId: request.agentId,
      userText: request.userText,
      speaker: request.speaker,
      assistantText: outcome.text,
      interrupted: outcome.outcome === 'cancelled',
      provider: outcome.provider,
      model: outcome.model,
      llmTtftMs: outcome.llmTtftMs,
      now: new Date(),
    });
    if (await this.output.commit(event)) {
      this.logger.info('turn committed', { session_id: request.sessionId, turn_id: request.turnId, interrupted: event.interrupted });
    }
  }

  private async stream(request: TurnRequest, replies: ReplyWriter): Promise<TurnOutcome> {
    const cancelled = (text = ''): TurnOutcome => ({ outcome: 'cancelled', text });
    // Two round trips at once (agent-api, session-store): the fleet's time before the request is theirs.
    const history = this.inputs.history(request.sessionId);
    let agent: AgentDto;
    try {
      agent = request.agent ?? (await this.inputs.agent(request.agentId));
    } catch (error) {
      if (!(error instanceof TurnsError)) throw error;
      await history;
      if (request.signal.aborted) return cancelled();
      const failure = { error_code: turnsErrorCode(error.code), error_message: error.message };
      replies.emit('error', failure);
      return { outcome: 'error', text: '', errorCode: failure.error_code, errorMessage: failure.error_message };
    }
    const messagesSoFar = await history;
    if (request.signal.aborted) return cancelled();

    const messages = assemblePrompt({
      systemPrompt: agent.system_prompt,
      timezone: agent.timezone,
      now: new Date(),
      history: messagesSoFar,
      userText: request.userText,
      ...(request.speakerId !== undefined && request.speakerName ? { speakerName: request.speakerName } : {}),
      budgetChars: this.config.LLM_HISTORY_MAX_CHARS,
    });
    const { chain, describeFailure } = this.chains.forAgent(agent);
    if (!chain) {
      const failure = { error_code: LlmProviderErrorCode.Unavailable, error_message: describeFailure(undefined) };
      replies.emit('error', failure);
      return { outcome: 'error', text: '', errorCode: failure.error_code, errorMessage: failure.error_message };
    }

    let text = '';
    let answered: Pick<TurnOutcome, 'provider' | 'model' | 'llmTtftMs' | 'marks'> = {};
    let first = true;
    const llmRequestAtMs = Date.now();
    try {
      for await (const chunk of chain.stream({
        messages,
        temperature: agent.temperature,
        sessionId: request.sessionId,
        caller: { userName: request.speaker, agentName: agent.name },
        signal: request.signal,
      })) {
        if (request.signal.aborted) return cancelled(text);
        if (chunk.type === 'answered_by') {
          answered = { provider: chunk.provider, model: chunk.model, llmTtftMs: Math.max(0, Math.round(chunk.ttftMs)), marks: { llmRequestAtMs } };
          this.metrics.firstToken(chunk.provider, agent.id, answered.llmTtftMs ?? 0);
        } else if (chunk.type === 'delta' && chunk.text) {
          text += chunk.text;
          const firstTokenAtMs = Date.now();
          if (first) answered.marks = { llmRequestAtMs, llmFirstTokenAtMs: firstTokenAtMs };
          replies.emit(
            'delta',
            first
              ? {
                  text: chunk.text,
                  provider: answered.provider,
                  model: answered.model,
                  llm_ttft_ms: answered.llmTtftMs,
                  first_token_at_ms: firstTokenAtMs,
                  filter_actions: agent.filter_actions_for_tts,
                }
              : { text: chunk.text },
          );
          first = false;
        }
      }
    } catch (error) {
      if (!(error instanceof LlmProviderError)) throw error;
      if (error.code === LlmProviderErrorCode.Aborted || request.signal.aborted) return { ...cancelled(text), ...answered };
      const message =
        error instanceof LlmFallbackExhaustedError
          ? describeFailure(error)
          : `${answered.provider ?? error.provider ?? 'the LLM'} failed mid-answer (${error.message}); the answer is cut short`;
      this.logger.warn('turn ended with an LLM error', { session_id: request.sessionId, turn_id: request.turnId, code: error.code, after_first_token: error.afterFirstToken });
      replies.emit('error', { error_code: error.code, error_message: message, provider: answered.provider, model: answered.model });
      return { outcome: 'error', text, errorCode: error.code, errorMessage: message, ...answered, ...(error.provider ? { errorProvider: error.provider } : {}) };
    }
    if (request.signal.aborted) return { ...cancelled(text), ...answered };
    replies.emit('done', { text, provider: answered.provider, model: answered.model });
    return { outcome: 'done', text, ...answered };
  }
}
