import { ErrorCode } from '@voxbridge/contracts';

/**
 * Node socket errors that mean the database cannot be reached right now (pg surfaces them as is).
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * SQLSTATEs of an outage rather than of the request: class 08 (connection exception), 57P01–57P03
 * (admin/crash shutdown, cannot connect now), 53300 (too many connections), and 57014
 * (query_canceled: our statement_timeout fired because the server did not get to it in time).
 */
const OUTAGE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1-3]|53300|57014)$/;

/**
 * What pg and its pool say when the connection is gone or never came; they carry no code.
 * Matched on the start of the message, lower-cased.
 */
const OUTAGE_MESSAGES: Array<[RegExp, string]> = [
  [/^connection terminated due to connection timeout/, 'no connection within the connect timeout'],
  [/^timeout exceeded when trying to connect/, 'no connection within the connect timeout'],
  [/^connection terminated/, 'connection terminated'],
  [/^query read timeout/, 'no answer within the query timeout'],
  [/^client has encountered a connection error/, 'connection lost'],
  [/^client was closed and is not queryable/, 'connection closed'],
  [/^cannot use a pool after calling end/, 'pool closed'],
  [/^connection is not established/, 'not connected'],
];

const SQLSTATE_REASONS: Record<string, string> = {
  '57P01': 'the server is shutting down',
  '57P02': 'the server crashed',
  '57P03': 'the server is not accepting connections yet',
  '53300': 'too many connections',
  '57014': 'statement timeout',
};

function reasonOf(error: object): string | undefined {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return `connection failed (${code})`;
    if (OUTAGE_SQLSTATE.test(code)) return SQLSTATE_REASONS[code] ?? `connection failure (SQLSTATE ${code})`;
  }
  if (typeof message === 'string') {
    const text = message.toLowerCase();
    for (const [pattern, reason] of OUTAGE_MESSAGES) if (pattern.test(text)) return reason;
  }
  return undefined;
}

/**
 * Why the database is unavailable, when `error` (a pg error, a TypeORM QueryFailedError or
 * connection error wrapping one, an AggregateError of connect attempts) says so; undefined for any
 * other failure (a constraint, a syntax error, a bug). Never includes the connection string.
 */
export function databaseOutageReason(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 4) return undefined;
  if (error instanceof DatabaseUnavailableError) return error.reason;
  const own = reasonOf(error);
  if (own) return own;
  const { driverError, cause, errors } = error as { driverError?: unknown; cause?: unknown; errors?: unknown };
  for (const inner of [driverError, cause, ...(Array.isArray(errors) ? errors : [])]) {
    const found = databaseOutageReason(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * A request failed because the service's database is down or unreachable: the fleet's
 * `database_unavailable` (HTTP 503), naming whose database and why.
 */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
  readonly code = ErrorCode.DatabaseUnavailable;

  constructor(
    /** Who owns the database, e.g. `session-store`. */
    readonly owner: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`the database of ${owner} is unavailable: ${reason}`, options);
  }
}

/** `error` as a DatabaseUnavailableError of `owner`'s database when it is an outage, else undefined. */
export function asDatabaseOutage(error: unknown, owner: string): DatabaseUnavailableError | undefined {
  if (error instanceof DatabaseUnavailableError) return error;
  const reason = databaseOutageReason(error);
  return reason === undefined ? undefined : new DatabaseUnavailableError(owner, reason, { cause: error });
}
