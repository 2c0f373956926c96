import { ErrorCode } from '@voxbridge/contracts';
import { QueryFailedError } from 'typeorm';
import { asDatabaseOutage, databaseOutageReason, DatabaseUnavailableError } from './database-outage';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('databaseOutageReason', () => {
  it.each([
    [withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), 'connection failed (ECONNREFUSED)'],
    [withCode('read ECONNRESET', 'ECONNRESET'), 'connection failed (ECONNRESET)'],
    [new Error('Connection terminated unexpectedly'), 'connection terminated'],
    [new Error('timeout exceeded when trying to connect'), 'no connection within the connect timeout'],
    [new Error('Connection terminated due to connection timeout'), 'no connection within the connect timeout'],
    [new Error('Query read timeout'), 'no answer within the query timeout'],
    [withCode('terminating connection due to administrator command', '57P01'), 'the server is shutting down'],
    [withCode('the database system is starting up', '57P03'), 'the server is not accepting connections yet'],
    [withCode('canceling statement due to statement timeout', '57014'), 'statement timeout'],
    [withCode('connection failure', '08006'), 'connection failure (SQLSTATE 08006)'],
  ])('names an outage: %s', (error, reason) => {
    expect(databaseOutageReason(error)).toBe(reason);
  });

  it('looks inside TypeORM query errors, causes and aggregated connect attempts', () => {
    const query = new QueryFailedError('select 1', [], withCode('terminating connection due to administrator command', '57P01'));
    expect(databaseOutageReason(query)).toBe('the server is shutting down');
    expect(databaseOutageReason(new Error('boot failed', { cause: new Error('Connection terminated') }))).toBe('connection terminated');
    const aggregate = new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], '');
    expect(databaseOutageReason(aggregate)).toBe('connection failed (ECONNREFUSED)');
  });

  it.each([
    [withCode('duplicate key value violates unique constraint', '23505')],
    [withCode('invalid byte sequence for encoding "UTF8": 0x00', '22021')],
    [new TypeError('cannot read properties of undefined')],
    ['ECONNREFUSED'],
    [null],
  ])('is not fooled by other failures: %s', (error) => {
    expect(databaseOutageReason(error)).toBeUndefined();
  });
});

describe(DatabaseUnavailableError.name, () => {
  it('carries the fleet code and names whose database failed and why', () => {
    const sut = asDatabaseOutage(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), 'session-store');
    expect(sut).toBeInstanceOf(DatabaseUnavailableError);
    expect(sut?.code).toBe(ErrorCode.DatabaseUnavailable);
    expect(sut?.message).toBe('the database of session-store is unavailable: connection failed (ECONNREFUSED)');
    expect(asDatabaseOutage(new Error('bug'), 'session-store')).toBeUndefined();
  });
});
