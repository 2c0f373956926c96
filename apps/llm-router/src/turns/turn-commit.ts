import type { TurnCommittedEvent } from '@voxbridge/contracts';

export interface CommitInput {
  turnId: string;
  sessionId: string;
  agentId: string;
  userText: string;
  assistantText: string;
  interrupted: boolean;
  speaker?: string;
  provider?: string;
  model?: string;
  llmTtftMs?: number;
  now: Date;
}

/**
 * A text turn, committed as answered. (A voice turn is assembled by session-store from the
 * stages' facts, with its timeline.)
 */
export function buildCommittedTurn(input: CommitInput): TurnCommittedEvent {
  const event: TurnCommittedEvent = {
    turn_id: input.turnId,
    session_id: input.sessionId,
    agent_id: input.agentId,
    user_text: input.userText,
    assistant_text: input.assistantText,
    interrupted: input.interrupted,
    committed_at: input.now.toISOString(),
  };
  const optional: Partial<TurnCommittedEvent> = { speaker: input.speaker, llm_ttft_ms: input.llmTtftMs, provider: input.provider, model: input.model };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (event as unknown as Record<string, unknown>)[key] = value;
  }
  return event;
}
