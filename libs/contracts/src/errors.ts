/**
 * Error codes shared by every edge (HTTP bodies, bus error replies, `service_error` events).
 * Features add their own codes here so the edges can map them exhaustively.
 */
export enum ErrorCode {
  ValidationFailed = 'validation_failed',
  NotFound = 'not_found',
  Conflict = 'conflict',
  Unauthorized = 'unauthorized',
  Forbidden = 'forbidden',
  PayloadTooLarge = 'payload_too_large',
  RateLimited = 'rate_limited',
  /** A plugin secret was sent but no encryption key is configured; nothing was stored. */
  EncryptionKeyMissing = 'encryption_key_missing',
  NoResponders = 'no_responders',
  Timeout = 'timeout',
  Unavailable = 'unavailable',
  /** The answering service is up but its database is not (refused, dropped, or too slow to connect). */
  DatabaseUnavailable = 'database_unavailable',
  Internal = 'internal',
}

/** The one error shape of the fleet: `{error: {code, message, fields?, request_id?}}`. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    fields?: Record<string, string[]>;
    request_id?: string;
  };
}
