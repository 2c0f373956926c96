import { ArgumentsHost, BadRequestException, ConflictException, PayloadTooLargeException } from '@nestjs/common';
import { Writable } from 'node:stream';
import { AppLogger } from '../logging/app-logger';
import { HttpErrorFilter } from './http-error.filter';

function harness() {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  const logger = AppLogger.create({ service: 'test', level: 'info', format: 'json', destination: sink });
  const sent: { status?: number; body?: unknown; headers: Record<string, string> } = { headers: {} };
  const response = {
    status(code: number) { sent.status = code; return this; },
    setHeader(name: string, value: string) { sent.headers[name] = value; return this; },
    json(body: unknown) { sent.body = body; return this; },
  };
  const request = { headers: { 'x-request-id': 'req-1' }, method: 'POST', path: '/api/things' };
  const host = { switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }) } as unknown as ArgumentsHost;
  return { sut: new HttpErrorFilter(logger, 'agent-api'), host, sent, lines };
}

describe(HttpErrorFilter.name, () => {
  it('answers client errors in the fleet shape with their code', () => {
    const { sut, host, sent } = harness();
    sut.catch(new ConflictException('an agent named Auren exists'), host);
    expect(sent.status).toBe(409);
    expect(sent.body).toEqual({ error: { code: 'conflict', message: 'an agent named Auren exists', request_id: 'req-1' } });
  });

  it('keeps the code and fields a feature put in the exception', () => {
    const { sut, host, sent } = harness();
    sut.catch(new BadRequestException({ code: 'validation_failed', message: 'name is too long', fields: { name: ['too long'] } }), host);
    expect(sent.body).toEqual({ error: { code: 'validation_failed', message: 'name is too long', fields: { name: ['too long'] }, request_id: 'req-1' } });
    const { sut: sut2, host: host2, sent: sent2 } = harness();
    sut2.catch(new PayloadTooLargeException(), host2);
    expect(sent2.status).toBe(413);
  });

  it('maps body-parser failures to 400 / 413 without a stack trace', () => {
    const { sut, host, sent } = harness();
    sut.catch(Object.assign(new SyntaxError('Unexpected token } in JSON'), { status: 400, type: 'entity.parse.failed' }), host);
    expect(sent.status).toBe(400);
    expect(sent.body).toMatchObject({ error: { code: 'validation_failed', message: 'request body is not valid JSON' } });
  });

  it('logs an unexpected error once with an id and tells the caller only the id', () => {
    const { sut, host, sent, lines } = harness();
    sut.catch(new Error('relation "agents" does not exist'), host);
    expect(sent.status).toBe(500);
    expect(JSON.stringify(sent.body)).not.toContain('relation');
    expect(sent.body).toEqual({ error: { code: 'internal', message: 'internal error (id req-1)', request_id: 'req-1' } });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'error', msg: 'unhandled error in request', request_id: 'req-1' });
  });

  it('answers a database outage with 503 database_unavailable naming the database, not a 500', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 5432 });
    const { sut, host, sent, lines } = harness();
    sut.catch(refused, host);
    expect(sent.status).toBe(503);
    expect(sent.body).toEqual({
      error: { code: 'database_unavailable', message: 'the database of agent-api is unavailable: connection failed (ECONNREFUSED)', request_id: 'req-1' },
    });
    expect(lines.join('')).not.toContain('unhandled error');
  });

  it('answers a pool that could not connect in time, or a dropped connection, with 503', () => {
    for (const error of [new Error('timeout exceeded when trying to connect'), new Error('Connection terminated unexpectedly')]) {
      const { sut, host, sent } = harness();
      sut.catch(error, host);
      expect(sent.status).toBe(503);
      expect((sent.body as { error: { code: string } }).error.code).toBe('database_unavailable');
    }
  });

  it('still answers a database refusal of the data itself as a 500 with an id', () => {
    const { sut, host, sent } = harness();
    sut.catch(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }), host);
    expect(sent.status).toBe(500);
  });
});
