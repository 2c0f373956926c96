import { BusError } from '@voxbridge/bus';
import { ErrorCode } from '@voxbridge/contracts';

export enum MessagesErrorCode {
  SessionNotFound = 'session_not_found',
}

export class MessagesError extends Error {
  override readonly name = 'MessagesError';

  constructor(
    readonly code: MessagesErrorCode,
    message: string,
  ) {
    super(message);
  }

  static sessionNotFound(id: string): MessagesError {
    return new MessagesError(MessagesErrorCode.SessionNotFound, `session ${id} not found`);
  }
}

/** The bus edge's translation of every MessagesErrorCode. */
export function messagesErrorToBus(error: MessagesError): BusError {
  switch (error.code) {
    case MessagesErrorCode.SessionNotFound:
      return new BusError(ErrorCode.NotFound, error.message);
  }
}
