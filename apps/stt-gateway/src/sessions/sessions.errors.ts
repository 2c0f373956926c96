import { BusError } from '@voxbridge/bus';
import { ErrorCode } from '@voxbridge/contracts';

export enum SttSessionsErrorCode {
  /** agent-api answered that the claim's agent does not exist. */
  AgentNotFound = 'agent_not_found',
  /** agent-api could not be asked (no responders, timeout, error). */
  AgentUnavailable = 'agent_unavailable',
}

export class SttSessionsError extends Error {
  override readonly name = 'SttSessionsError';

  constructor(
    readonly code: SttSessionsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The fleet's error code for each failure of this feature (exhaustive). */
export function sttSessionsErrorToBus(error: SttSessionsError): BusError {
  switch (error.code) {
    case SttSessionsErrorCode.AgentNotFound:
      return new BusError(ErrorCode.NotFound, error.message, { cause: error });
    case SttSessionsErrorCode.AgentUnavailable:
      return new BusError(ErrorCode.Unavailable, error.message, { cause: error });
  }
}
