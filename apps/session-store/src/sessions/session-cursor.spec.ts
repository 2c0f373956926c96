import { decodeCursor, encodeCursor } from './session-cursor';
import { SessionsError, SessionsErrorCode } from './sessions.errors';

describe('session cursor', () => {
  const cursor = { startedAt: new Date('2026-11-25T10:11:12.345Z'), id: '1b4e28ba-2fa1-41d2-883f-0016d3cca427' };

  it('round-trips the position exactly and is opaque url-safe text', () => {
    const sut = encodeCursor(cursor);
    expect(sut).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(sut)).toEqual(cursor);
  });

  it.each([
    ['not base64url', 'abc$%^'],
    ['base64 of non-JSON', Buffer.from('hello').toString('base64url')],
    ['wrong shape', Buffer.from(JSON.stringify({ t: 1 })).toString('base64url')],
    ['bad date', Buffer.from(JSON.stringify(['2026-13-45T10:11:12.345Z', cursor.id])).toString('base64url')],
    ['date without milliseconds', Buffer.from(JSON.stringify(['2026-11-25T10:11:12Z', cursor.id])).toString('base64url')],
    ['id not a uuid', Buffer.from(JSON.stringify([cursor.startedAt.toISOString(), "x' or 1=1"])).toString('base64url')],
    ['empty', ''],
  ])('rejects %s as an invalid cursor', (_, value) => {
    let caught: unknown;
    try {
      decodeCursor(value);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SessionsError);
    expect(caught).toMatchObject({ code: SessionsErrorCode.InvalidCursor });
  });
});
