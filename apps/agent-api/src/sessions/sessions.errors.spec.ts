import { HttpException } from '@nestjs/common';
import { BusNoRespondersError, BusRemoteError, BusTimeoutError, BusValidationError } from '@voxbridge/bus';
import { ErrorCode } from '@voxbridge/contracts';
import { SessionsError, toSessionsHttpError } from './sessions.errors';

function http(error: unknown): { status: number; body: unknown } {
  const translated = toSessionsHttpError(error);
  if (!(translated instanceof HttpException)) throw new Error('not translated');
  return { status: translated.getStatus(), body: translated.getResponse() };
}

describe(toSessionsHttpError.name, () => {
  it('passes remote refusals through with their status, message and fields', () => {
    expect(http(new BusRemoteError(ErrorCode.ValidationFailed, 'bad cursor', { cursor: ['is not a cursor'] }))).toEqual({
      status: 400,
      body: { code: 'validation_failed', message: 'bad cursor', fields: { cursor: ['is not a cursor'] } },
    });
    expect(http(new BusRemoteError(ErrorCode.NotFound, 'session x not found')).status).toBe(404);
    expect(http(new BusRemoteError(ErrorCode.Conflict, 'exists')).status).toBe(409);
  });

  it('tells a service that is down from one that is slow', () => {
    expect(http(new BusNoRespondersError('sessions.v1.session.get'))).toEqual({
      status: 503,
      body: { code: 'unavailable', message: 'session-store is unavailable' },
    });
    expect(http(new BusTimeoutError('sessions.v1.session.get', 2000)).body).toMatchObject({ code: 'timeout' });
  });

  it('says session-store is up and its database is not: 503 database_unavailable with session-store’s words', () => {
    const message = 'the database of session-store is unavailable: connection failed (ECONNREFUSED)';
    expect(http(new BusRemoteError(ErrorCode.DatabaseUnavailable, message))).toEqual({
      status: 503,
      body: { code: 'database_unavailable', message },
    });
  });

  it('treats upstream faults and invalid replies as 502, never as the caller’s 400', () => {
    expect(http(new BusRemoteError(ErrorCode.Internal, 'internal error')).status).toBe(502);
    expect(http(new BusRemoteError(ErrorCode.Unauthorized, 'no')).status).toBe(502);
    expect(http(new BusValidationError('reply on x is invalid', ['body is not valid JSON'])).status).toBe(502);
  });

  it('maps agent-api’s own refusals and leaves unexpected errors to the global filter', () => {
    expect(http(new SessionsError(ErrorCode.NotFound, 'agent_id: no such agent', { agent_id: ['no agent with this id'] }))).toMatchObject({
      status: 404,
      body: { fields: { agent_id: ['no agent with this id'] } },
    });
    const unexpected = new Error('boom');
    expect(toSessionsHttpError(unexpected)).toBe(unexpected);
  });
});
