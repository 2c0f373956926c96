import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import { ErrorCode, type ErrorBody } from '@voxbridge/contracts';
import { asDatabaseOutage } from '@voxbridge/persistence';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { AppLogger } from '../logging/app-logger';

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  [HttpStatus.BAD_REQUEST]: ErrorCode.ValidationFailed,
  [HttpStatus.UNAUTHORIZED]: ErrorCode.Unauthorized,
  [HttpStatus.FORBIDDEN]: ErrorCode.Forbidden,
  [HttpStatus.NOT_FOUND]: ErrorCode.NotFound,
  [HttpStatus.CONFLICT]: ErrorCode.Conflict,
  [HttpStatus.PAYLOAD_TOO_LARGE]: ErrorCode.PayloadTooLarge,
  [HttpStatus.TOO_MANY_REQUESTS]: ErrorCode.RateLimited,
  [HttpStatus.SERVICE_UNAVAILABLE]: ErrorCode.Unavailable,
  [HttpStatus.GATEWAY_TIMEOUT]: ErrorCode.Timeout,
};

/** Express body-parser errors (malformed JSON, too large) carry a status of their own. */
function bodyParserStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown; type?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/**
 * The one HTTP error shape: `{error: {code, message, fields?, request_id}}`. Client errors pass
 * through with their code; a database outage (refused, dropped, connect or statement timeout) is a
 * 503 `database_unavailable` naming whose database and why; anything unexpected is logged once
 * with an id and answered as a 500 that names the id and nothing else.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(
    private readonly logger: AppLogger,
    /** The service answering: its database is the one named in `database_unavailable`. */
    private readonly service = 'this service',
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const header = request.headers['x-request-id'];
    const requestId = typeof header === 'string' && /^[\w-]{1,100}$/.test(header) ? header : randomUUID();

    let status: number;
    let body: ErrorBody;
    const outage = exception instanceof HttpException || bodyParserStatus(exception) ? undefined : asDatabaseOutage(exception, this.service);
    if (outage) {
      status = HttpStatus.SERVICE_UNAVAILABLE;
      this.logger.warn('request failed: database unavailable', { request_id: requestId, method: request.method, path: request.path, reason: outage.reason });
      body = { error: { code: outage.code, message: outage.message, request_id: requestId } };
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      const payload = exception.getResponse();
      const given: { code?: ErrorCode; fields?: Record<string, string[]>; message?: unknown } =
        typeof payload === 'object' && payload !== null ? payload : {};
      const message =
        typeof given.message === 'string'
          ? given.message
          : Array.isArray(given.message)
            ? given.message.map(String).join('; ')
            : exception.message;
      body = {
        error: {
          code: given.code ?? CODE_BY_STATUS[status] ?? (status >= 500 ? ErrorCode.Internal : ErrorCode.ValidationFailed),
          message,
          ...(given.fields ? { fields: given.fields } : {}),
          request_id: requestId,
        },
      };
    } else if (bodyParserStatus(exception)) {
      status = bodyParserStatus(exception) ?? HttpStatus.BAD_REQUEST;
      const tooLarge = status === HttpStatus.PAYLOAD_TOO_LARGE;
      body = {
        error: {
          code: tooLarge ? ErrorCode.PayloadTooLarge : ErrorCode.ValidationFailed,
          message: tooLarge ? 'request body is too large' : 'request body is not valid JSON',
          request_id: requestId,
        },
      };
    } else {
      status = HttpStatus.INTERNAL_SERVER_ERROR;
      this.logger.error('unhandled error in request', { request_id: requestId, method: request.method, path: request.path, err: exception });
      body = { error: { code: ErrorCode.Internal, message: `internal error (id ${requestId})`, request_id: requestId } };
    }
    response.status(status).setHeader('X-Request-Id', requestId).json(body);
  }
}
