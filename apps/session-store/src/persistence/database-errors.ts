import { QueryFailedError } from 'typeorm';

/**
 * SQLSTATE classes in which Postgres refuses the data itself: 22 (data exception — a NUL in
 * text, a number out of range, a string too long) and 23 (integrity constraint violation). The
 * same data fails the same way however often it is retried; a lost connection (08), a deadlock
 * (40) or a server shutting down (57) does not.
 */
const REFUSED_DATA = /^2[23][0-9A-Z]{3}$/;

/** True when retrying the same write cannot succeed (the message is bad, not the moment). */
export function isRefusedByDatabase(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code: unknown = (error.driverError as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && REFUSED_DATA.test(code);
}
