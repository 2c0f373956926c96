import { ErrorCode } from '@voxbridge/contracts';
import { BusError, BusNoRespondersError, BusRemoteError, BusTimeoutError, callFailureFields, fromErrorReply, toErrorReply } from './errors';

describe('toErrorReply', () => {
  it('keep the code, message and fields of an error that carries an ErrorCode', () => {
    const error = Object.assign(new Error('agent 7 not found'), { code: ErrorCode.NotFound, fields: { id: ['unknown'] } });
    expect(toErrorReply(error)).toEqual({
      body: { error: { code: 'not_found', message: 'agent 7 not found', fields: { id: ['unknown'] } } },
      unexpected: false,
    });
  });

  it('keep a BusError code (a timeout upstream stays a timeout)', () => {
    expect(toErrorReply(new BusError(ErrorCode.Timeout, 'slow')).body.error).toEqual({ code: 'timeout', message: 'slow' });
  });

  it.each([new Error('db password wrong'), Object.assign(new Error('x'), { code: 'EACCES' }), 'a string', null])(
    'hide anything else behind internal with a request id: %p',
    (error) => {
      const reply = toErrorReply(error);
      expect(reply.unexpected).toBe(true);
      expect(reply.body.error.code).toBe(ErrorCode.Internal);
      expect(reply.body.error.message).toBe('internal error');
      expect(reply.body.error.request_id).toMatch(/^[0-9a-f-]{36}$/);
    },
  );

  it('answer a database outage with database_unavailable naming whose database, not internal', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(toErrorReply(refused, 'agent-api')).toEqual({
      body: { error: { code: 'database_unavailable', message: 'the database of agent-api is unavailable: connection failed (ECONNREFUSED)' } },
      unexpected: false,
    });
  });

  it('drop malformed fields rather than send them', () => {
    const error = Object.assign(new Error('bad'), { code: ErrorCode.ValidationFailed, fields: { name: 'not-a-list' } });
    expect(toErrorReply(error).body.error.fields).toBeUndefined();
  });
});

describe('fromErrorReply', () => {
  it('read code, message, fields and request id from the body', () => {
    const error = fromErrorReply('conflict', { error: { code: 'conflict', message: 'taken', fields: { name: ['taken'] }, request_id: 'r1' } });
    expect(error).toBeInstanceOf(BusRemoteError);
    expect(error).toMatchObject({ code: ErrorCode.Conflict, message: 'taken', fields: { name: ['taken'] }, requestId: 'r1' });
  });

  it('fall back to the header code when the body is unreadable', () => {
    expect(fromErrorReply('rate_limited', undefined)).toMatchObject({ code: ErrorCode.RateLimited, message: 'remote error rate_limited' });
    expect(fromErrorReply('weird', 'x').code).toBe(ErrorCode.Internal);
  });
});

describe('callFailureFields', () => {
  it('logs a bus failure as its code and one line, without a stack', () => {
    expect(callFailureFields('agent-api', new BusNoRespondersError('agents.v1.agent.get'))).toEqual({ code: 'no_responders', message: 'agent-api is not running' });
    expect(callFailureFields('agent-api', new BusTimeoutError('agents.v1.agent.get', 2_000))).toEqual({ code: 'timeout', message: 'agent-api did not answer within 2000 ms' });
  });

  it('keeps anything else whole, stack included', () => {
    const error = new TypeError('cannot read x of undefined');
    expect(callFailureFields('agent-api', error)).toEqual({ err: error });
  });
});
