import { BusError } from '@voxbridge/bus';
import { ErrorCode } from '@voxbridge/contracts';

export enum BotsErrorCode {
  /** No bot for this agent (its discord plugin is off, or it has no token). */
  UnknownBot = 'unknown_bot',
  /** The bot's token cannot be used: missing, stored unencrypted, no key, or it does not decrypt. */
  TokenUnusable = 'token_unusable',
  /** The bot is not logged in (yet, or it failed). */
  NotReady = 'not_ready',
  /** The guild or channel is not in the agent's allow-list, unknown to the bot, or not a voice channel. */
  NotAllowed = 'not_allowed',
  /** No replica answers for the bot right now, or the voice pipeline / session-store cannot take the conversation. */
  Unavailable = 'unavailable',
  /** The join named a session that does not exist or belongs to another agent. */
  SessionNotFound = 'session_not_found',
}

export class BotsError extends Error {
  override readonly name = 'BotsError';

  constructor(
    readonly code: BotsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The fleet's error code for each failure of this feature (exhaustive). */
export function botsErrorToBus(error: BotsError): BusError {
  switch (error.code) {
    case BotsErrorCode.UnknownBot:
    case BotsErrorCode.SessionNotFound:
      return new BusError(ErrorCode.NotFound, error.message, { cause: error });
    case BotsErrorCode.NotAllowed:
      return new BusError(ErrorCode.Conflict, error.message, { cause: error });
    case BotsErrorCode.TokenUnusable:
    case BotsErrorCode.NotReady:
    case BotsErrorCode.Unavailable:
      return new BusError(ErrorCode.Unavailable, error.message, { cause: error });
  }
}
