import { Equals, IsBoolean, IsOptional, IsUUID } from 'class-validator';
import { requestContract, type RequestContract } from './contract';
import { SessionIdRequest, SessionSubjects } from './sessions';
import { instanceSubject } from './subjects';
import { TextTurnRequest, VoiceSubjects } from './voice';

/**
 * agent-api's text chat (`POST /api/sessions/:id/chat`) on the bus: the session look-up, the text
 * turn handed to llm-router, and the liveness check that ends a stream within about a second when
 * the llm-router replica running the turn is gone or unreachable (instead of waiting for the
 * turn's overall timeout on keep-alives).
 */

/** What the chat needs of a session (session-store answers with the whole SessionDto; the rest is dropped). */
export class ChatSessionReply {
  @IsUUID() id!: string;
  @IsUUID() agent_id!: string;
}

/** llm-router's immediate answer to a text turn; the reply itself streams on the session's `reply`. */
export class TextTurnAcceptedReply {
  @IsUUID() turn_id!: string;
  @Equals(true) accepted!: true;
  /** The llm-router replica running the turn: the one to ask `textTurnAlive`. Absent: no liveness checks. */
  @IsOptional() @IsUUID() instance_id?: string;
}

export class TextTurnAliveRequest {
  @IsUUID() turn_id!: string;
}

export class TextTurnAliveReply {
  @IsUUID() turn_id!: string;
  /** The replica still runs this turn (false: it ended, or never ran here). */
  @IsBoolean() running!: boolean;
}

/**
 * How agent-api watches a text turn: a check every `intervalMs`, each waiting at most the
 * contract's 500 ms; `misses` failed checks in a row (no responders, no answer, not running) end
 * the stream with an error naming llm-router — within 2 s of llm-router dying or NATS going away.
 */
export const TEXT_TURN_LIVENESS = { intervalMs: 300, misses: 2 } as const;

export interface ChatContractSet {
  session: RequestContract<SessionIdRequest, ChatSessionReply>;
  textTurn: RequestContract<TextTurnRequest, TextTurnAcceptedReply>;
  /** To the replica running the turn only (`llm.v1.instance.<id>.turn-alive`). */
  textTurnAlive: (instanceId: string) => RequestContract<TextTurnAliveRequest, TextTurnAliveReply>;
}

export const ChatContracts: ChatContractSet = {
  session: requestContract({ subject: SessionSubjects.get, request: SessionIdRequest, reply: ChatSessionReply, timeoutMs: 2_000 }),
  textTurn: requestContract({ subject: VoiceSubjects.textTurn, request: TextTurnRequest, reply: TextTurnAcceptedReply, timeoutMs: 2_000 }),
  textTurnAlive: (instanceId) =>
    requestContract({ subject: instanceSubject('llm', instanceId, 'turn-alive'), request: TextTurnAliveRequest, reply: TextTurnAliveReply, timeoutMs: 500 }),
};
