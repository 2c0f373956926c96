import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { isUuid } from '@voxbridge/contracts';
import type { Request } from 'express';
import { from, switchMap, type Observable } from 'rxjs';
import { principalOf } from '../auth/auth.decorators';
import { SessionsController } from './sessions.controller';
import { toSessionsHttpError } from './sessions.errors';
import { SessionsService } from './sessions.service';

/** Routes under one session that other features serve (e.g. `POST /api/sessions/:id/chat`). */
const SESSION_ROUTE = /^\/api\/sessions\/:id(\/|$)/;

/**
 * The access rule of `/api/sessions/:id/...` for routes served outside SessionsController (which
 * checks in SessionsService): a `client` key reaches only the sessions it created; another key's
 * session answers 404 `not_found`, as a missing one. Runs after the API-key guard.
 */
@Injectable()
export class SessionAccessInterceptor implements NestInterceptor {
  constructor(private readonly sessions: SessionsService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || context.getClass() === SessionsController) return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    const routePath: unknown = (request.route as { path?: unknown } | undefined)?.path;
    const principal = principalOf(request);
    const id = request.params['id'];
    // A malformed id is the validation pipe's 400, later.
    if (typeof routePath !== 'string' || !SESSION_ROUTE.test(routePath) || !principal || !isUuid(id)) return next.handle();
    return from(
      this.sessions.assertVisible(principal, id).catch((error: unknown) => {
        throw toSessionsHttpError(error);
      }),
    ).pipe(switchMap(() => next.handle()));
  }
}
