import { BusError, BusValidationError } from '@voxbridge/bus';
import { ErrorCode } from '@voxbridge/contracts';

export enum SessionsErrorCode {
  SessionNotFound = 'session_not_found',
  InvalidCursor = 'invalid_cursor',
}

export class SessionsError extends Error {
  override readonly name = 'SessionsError';

  constructor(
    readonly code: SessionsErrorCode,
    message: string,
  ) {
    super(message);
  }

  static notFound(id: string): SessionsError {
    return new SessionsError(SessionsErrorCode.SessionNotFound, `session ${id} not found`);
  }
}

/** The bus edge's translation of every SessionsErrorCode (exhaustive: a new code fails to compile here). */
export function sessionsErrorToBus(error: SessionsError): BusError {
  switch (error.code) {
    case SessionsErrorCode.SessionNotFound:
      return new BusError(ErrorCode.NotFound, error.message);
    case SessionsErrorCode.InvalidCursor:
      return new BusValidationError('invalid ListSessionsRequest', [`cursor: ${error.message}`], { cursor: [error.message] });
  }
}
