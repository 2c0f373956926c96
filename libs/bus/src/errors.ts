import { randomUUID } from 'node:crypto';
import { ErrorCode, type ErrorBody } from '@voxbridge/contracts';
import { asDatabaseOutage } from '@voxbridge/persistence';

/** Header that marks a reply as an error reply; its value is the ErrorCode. */
export const ERROR_HEADER = 'Vb-Error';

/** Base of every failure the Bus reports; `code` is what edges map. */
export class BusError extends Error {
  override readonly name: string = 'BusError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Nobody is subscribed to the subject (NATS answered 503 no responders). */
export class BusNoRespondersError extends BusError {
  override readonly name = 'BusNoRespondersError';

  constructor(
    readonly subject: string,
    options?: { cause?: unknown },
  ) {
    super(ErrorCode.NoResponders, `no responders on ${subject}`, options);
  }
}

/** A responder exists but did not answer in time. */
export class BusTimeoutError extends BusError {
  override readonly name = 'BusTimeoutError';

  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(ErrorCode.Timeout, `no reply on ${subject} within ${timeoutMs} ms`, options);
  }
}

/** The responder answered with an error reply; `code`, `message` and `fields` are the remote ones. */
export class BusRemoteError extends BusError {
  override readonly name = 'BusRemoteError';

  constructor(
    code: ErrorCode,
    message: string,
    readonly fields?: Record<string, string[]>,
    readonly requestId?: string,
  ) {
    super(code, message);
  }
}

/** A message (or a reply) did not pass validation; `problems` name the failing properties. */
export class BusValidationError extends BusError {
  override readonly name = 'BusValidationError';

  constructor(
    message: string,
    readonly problems: string[],
    readonly fields: Record<string, string[]> = {},
  ) {
    super(ErrorCode.ValidationFailed, `${message}: ${problems.join('; ')}`);
  }
}

/**
 * What went wrong when `service` was asked something, in words a user or an operator can act on:
 * not running (no responders), too slow (which deadline), refused (its own code and message, e.g.
 * its database is unavailable), or answered with something invalid. Never guesses.
 */
export function describeCallFailure(service: string, error: unknown): { code: ErrorCode; message: string } {
  if (error instanceof BusNoRespondersError) return { code: ErrorCode.NoResponders, message: `${service} is not running` };
  if (error instanceof BusTimeoutError) return { code: ErrorCode.Timeout, message: `${service} did not answer within ${error.timeoutMs} ms` };
  if (error instanceof BusValidationError) return { code: ErrorCode.Internal, message: `${service} answered with an invalid reply (${error.problems.join('; ')})` };
  if (error instanceof BusRemoteError) return { code: error.code, message: `${service} refused: ${error.message}` };
  if (error instanceof BusError) return { code: error.code, message: `${service} could not be asked: ${error.message}` };
  return { code: ErrorCode.Internal, message: `${service} could not be asked` };
}

/**
 * Log fields for a failed call: a bus failure (not running, timeout, refusal) as its code and one
 * line — expected while services start or restart, no stack needed; anything else with its stack.
 */
export function callFailureFields(service: string, error: unknown): Record<string, unknown> {
  return error instanceof BusError ? { ...describeCallFailure(service, error) } : { err: error };
}

const ERROR_CODES = new Set<string>(Object.values(ErrorCode));

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && ERROR_CODES.has(value);
}

function isFields(value: unknown): value is Record<string, string[]> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => Array.isArray(v) && v.every((s) => typeof s === 'string'))
  );
}

/** What a responder sends back for a failure, and whether the failure was unexpected. */
export interface ErrorReply {
  body: ErrorBody;
  /** True when the error carried no ErrorCode: the caller gets a generic message and must log it. */
  unexpected: boolean;
}

/**
 * Maps a thrown value to the fleet's error body. An error whose `code` is an ErrorCode keeps its
 * code, message and fields; a database outage (refused, dropped, connect timeout) becomes
 * `database_unavailable` naming `origin`'s database; anything else becomes `internal` with a
 * generic message and a fresh request id, so the real error is logged once and never leaks.
 */
export function toErrorReply(error: unknown, origin = 'the service'): ErrorReply {
  if (typeof error === 'object' && error !== null) {
    const { code, message, fields } = error as { code?: unknown; message?: unknown; fields?: unknown };
    if (isErrorCode(code)) {
      const body: ErrorBody = { error: { code, message: typeof message === 'string' ? message : code } };
      if (isFields(fields) && Object.keys(fields).length > 0) body.error.fields = fields;
      return { body, unexpected: false };
    }
  }
  const outage = asDatabaseOutage(error, origin);
  if (outage) return { body: { error: { code: outage.code, message: outage.message } }, unexpected: false };
  return {
    body: { error: { code: ErrorCode.Internal, message: 'internal error', request_id: randomUUID() } },
    unexpected: true,
  };
}

/** Reads an error reply body; tolerant of a malformed body so the header code is never lost. */
export function fromErrorReply(headerCode: string, body: unknown): BusRemoteError {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  const parsed = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const code = isErrorCode(parsed['code']) ? parsed['code'] : isErrorCode(headerCode) ? headerCode : ErrorCode.Internal;
  const message = typeof parsed['message'] === 'string' ? parsed['message'] : `remote error ${headerCode}`;
  const fields = isFields(parsed['fields']) ? parsed['fields'] : undefined;
  const requestId = typeof parsed['request_id'] === 'string' ? parsed['request_id'] : undefined;
  return new BusRemoteError(code, message, fields, requestId);
}
