import { BusError } from '@voxbridge/bus';
import { ErrorCode } from '@voxbridge/contracts';

export enum TurnsErrorCode {
  AgentNotFound = 'agent_not_found',
  /** agent-api did not answer (down, timed out). */
  AgentUnavailable = 'agent_unavailable',
}

export class TurnsError extends Error {
  override readonly name = 'TurnsError';

  constructor(
    readonly code: TurnsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The fleet code a caller (bus reply, `reply` error event) sees for each TurnsErrorCode. */
export function turnsErrorCode(code: TurnsErrorCode): ErrorCode {
  switch (code) {
    case TurnsErrorCode.AgentNotFound:
      return ErrorCode.NotFound;
    case TurnsErrorCode.AgentUnavailable:
      return ErrorCode.Unavailable;
  }
}

export function turnsErrorToBus(error: TurnsError): BusError {
  return new BusError(turnsErrorCode(error.code), error.message, { cause: error });
}
