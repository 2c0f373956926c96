import { BusError } from '@voxbridge/bus';
import { ErrorCode } from '@voxbridge/contracts';

export enum HistoryErrorCode {
  SessionNotFound = 'session_not_found',
}

export class HistoryError extends Error {
  override readonly name = 'HistoryError';

  constructor(
    readonly code: HistoryErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The bus edge's translation of every HistoryErrorCode. */
export function historyErrorToBus(error: HistoryError): BusError {
  switch (error.code) {
    case HistoryErrorCode.SessionNotFound:
      return new BusError(ErrorCode.NotFound, error.message);
  }
}
