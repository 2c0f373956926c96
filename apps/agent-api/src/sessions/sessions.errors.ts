import { HttpException, HttpStatus } from '@nestjs/common';
import { BusError, BusRemoteError, BusValidationError } from '@voxbridge/bus';
import { ErrorCode } from '@voxbridge/contracts';

/** A refusal decided in agent-api itself (e.g. the agent of a new session does not exist). */
export class SessionsError extends Error {
  override readonly name = 'SessionsError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: Record<string, string[]>,
  ) {
    super(message);
  }
}

interface Translated {
  status: HttpStatus;
  code: ErrorCode;
  message: string;
  fields?: Record<string, string[]>;
}

/** Every ErrorCode has a row: adding a code to the contracts fails the type check here. */
function translate(code: ErrorCode, message: string, fields: Record<string, string[]> | undefined): Translated {
  switch (code) {
    case ErrorCode.ValidationFailed:
      return { status: HttpStatus.BAD_REQUEST, code, message, ...(fields ? { fields } : {}) };
    case ErrorCode.NotFound:
      return { status: HttpStatus.NOT_FOUND, code, message, ...(fields ? { fields } : {}) };
    case ErrorCode.Conflict:
      return { status: HttpStatus.CONFLICT, code, message };
    case ErrorCode.NoResponders:
    case ErrorCode.Unavailable:
      return { status: HttpStatus.SERVICE_UNAVAILABLE, code: ErrorCode.Unavailable, message: 'session-store is unavailable' };
    case ErrorCode.DatabaseUnavailable:
      // session-store is up, its database is not: its message names that database and why.
      return { status: HttpStatus.SERVICE_UNAVAILABLE, code, message };
    case ErrorCode.Timeout:
      return { status: HttpStatus.GATEWAY_TIMEOUT, code: ErrorCode.Timeout, message: 'session-store did not answer in time' };
    // Refusals that make no sense between two services of the fleet: a fault upstream, not the caller's.
    case ErrorCode.Unauthorized:
    case ErrorCode.Forbidden:
    case ErrorCode.PayloadTooLarge:
    case ErrorCode.RateLimited:
    case ErrorCode.EncryptionKeyMissing:
    case ErrorCode.Internal:
      return { status: HttpStatus.BAD_GATEWAY, code: ErrorCode.Internal, message: `session-store failed (${code})` };
    default: {
      const unknownCode: never = code;
      return { status: HttpStatus.BAD_GATEWAY, code: ErrorCode.Internal, message: `session-store failed (${String(unknownCode)})` };
    }
  }
}

/**
 * The HTTP edge of /api/sessions: SessionsError and bus failures become the fleet's error body with
 * the matching status; anything else is returned unchanged, for the global filter to log as a 500.
 */
export function toSessionsHttpError(error: unknown): unknown {
  let translated: Translated;
  if (error instanceof SessionsError) {
    translated = translate(error.code, error.message, error.fields);
  } else if (error instanceof BusValidationError) {
    // A reply that does not parse is session-store's fault, not a 400 for the caller.
    translated = translate(ErrorCode.Internal, error.message, undefined);
  } else if (error instanceof BusRemoteError) {
    translated = translate(error.code, error.message, error.fields);
  } else if (error instanceof BusError) {
    translated = translate(error.code, error.message, undefined);
  } else {
    return error;
  }
  const { status, ...body } = translated;
  return new HttpException(body, status, { cause: error });
}
