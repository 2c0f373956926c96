import { isUuid } from '@voxbridge/contracts';
import { SessionsError, SessionsErrorCode } from './sessions.errors';

/** Position after the last session of a page, in list order (started_at desc, id desc). */
export interface SessionCursor {
  startedAt: Date;
  id: string;
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Opaque to callers: base64url of `[started_at ISO, id]`. started_at is stored to the millisecond, so it round-trips. */
export function encodeCursor(cursor: SessionCursor): string {
  return Buffer.from(JSON.stringify([cursor.startedAt.toISOString(), cursor.id]), 'utf8').toString('base64url');
}

/** Throws SessionsError(InvalidCursor) for anything `encodeCursor` did not produce. */
export function decodeCursor(value: string): SessionCursor {
  const invalid = () => new SessionsError(SessionsErrorCode.InvalidCursor, 'is not a cursor from a previous page');
  if (!/^[A-Za-z0-9_-]+$/.test(value)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    // Not JSON inside: reported as an invalid cursor, never echoed.
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalid();
  const [startedAt, id] = parsed as unknown[];
  if (typeof startedAt !== 'string' || !ISO_MS.test(startedAt) || !isUuid(id)) throw invalid();
  const date = new Date(startedAt);
  if (Number.isNaN(date.getTime()) || date.toISOString() !== startedAt) throw invalid();
  return { startedAt: date, id: id.toLowerCase() };
}
