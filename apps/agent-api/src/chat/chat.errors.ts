import { HttpException, HttpStatus } from '@nestjs/common';
import { BusError, BusNoRespondersError, BusRemoteError, BusTimeoutError } from '@voxbridge/bus';
import { ErrorCode } from '@voxbridge/contracts';

export enum ChatErrorCode {
  /** The session (or, per llm-router, its agent) does not exist. */
  NotFound = 'not_found',
  /** Nobody serves the contract: the service is not running. */
  Unavailable = 'unavailable',
  /** The service took the request and did not answer in time. */
  Timeout = 'timeout',
  /** The service answered with a fault of its own. */
  UpstreamFailed = 'upstream_failed',
  /** The turn's reply ended with an error event (`replyCode` is the one it carried). */
  ReplyFailed = 'reply_failed',
}

/** The services a text turn depends on, named in error messages so the caller knows which one to fix. */
export type ChatUpstream = 'session-store' | 'llm-router';

export class ChatError extends Error {
  override readonly name = 'ChatError';

  constructor(
    readonly code: ChatErrorCode,
    message: string,
    /** ReplyFailed: the code of the reply's error event (an ErrorCode or a provider-layer code). */
    readonly replyCode?: string,
  ) {
    super(message);
  }
}

/** A failed request to `upstream` as a ChatError; anything that is not a bus failure is rethrown as is. */
export function chatUpstreamError(upstream: ChatUpstream, error: unknown): unknown {
  if (error instanceof BusNoRespondersError) return new ChatError(ChatErrorCode.Unavailable, `${upstream} is unavailable`);
  if (error instanceof BusTimeoutError) return new ChatError(ChatErrorCode.Timeout, `${upstream} did not answer in time`);
  if (error instanceof BusRemoteError && error.code === ErrorCode.NotFound) return new ChatError(ChatErrorCode.NotFound, error.message);
  if (error instanceof BusError) return new ChatError(ChatErrorCode.UpstreamFailed, `${upstream} failed (${error.code})`);
  return error;
}

function httpStatusOf(error: ChatError): { status: HttpStatus; code: string } {
  switch (error.code) {
    case ChatErrorCode.NotFound:
      return { status: HttpStatus.NOT_FOUND, code: ErrorCode.NotFound };
    case ChatErrorCode.Unavailable:
      return { status: HttpStatus.SERVICE_UNAVAILABLE, code: ErrorCode.Unavailable };
    case ChatErrorCode.Timeout:
      return { status: HttpStatus.GATEWAY_TIMEOUT, code: ErrorCode.Timeout };
    case ChatErrorCode.UpstreamFailed:
      return { status: HttpStatus.BAD_GATEWAY, code: ErrorCode.Internal };
    case ChatErrorCode.ReplyFailed:
      return { status: HttpStatus.BAD_GATEWAY, code: error.replyCode ?? ErrorCode.Internal };
  }
}

/** ChatError → the HTTP error the global filter renders (fleet error shape). Exhaustive over ChatErrorCode. */
export function chatHttpError(error: ChatError): HttpException {
  const { status, code } = httpStatusOf(error);
  return new HttpException({ code, message: error.message }, status, { cause: error });
}
