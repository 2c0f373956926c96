import { CanActivate, ExecutionContext, ForbiddenException, HttpException, HttpStatus, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ErrorCode } from '@voxbridge/contracts';
import type { Request, Response } from 'express';
import { ApiKeyService } from './api-key.service';
import { PUBLIC_KEY, ROLES_KEY, setPrincipal } from './auth.decorators';
import type { ApiKeyRole } from './principal';
import { RateLimitService } from './rate-limit.service';

/**
 * The platform's HealthController (libs/platform, which cannot depend on this feature) serves
 * these; probes and Prometheus call them without a key. Matched on the route, not the raw URL.
 * The OpenAPI docs (/api/docs, /api/docs-json) are plain Express routes outside Nest's guards:
 * public on purpose, they describe the API and hold no data.
 */
const PUBLIC_ROUTES = new Set(['/health', '/ready', '/metrics']);
const BEARER = /^Bearer +([^\s]+) *$/i;

/**
 * Global HTTP guard: a valid `Authorization: Bearer <key>` (401 otherwise), within the key's rate
 * (429 with Retry-After), with a role the route allows (403). Other transports (the NATS control
 * plane) pass; the /ws/events gateway authenticates its own `?token=` with ApiKeyService.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyService,
    private readonly rateLimit: RateLimitService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    const targets = [context.getHandler(), context.getClass()];
    const routePath: unknown = (request.route as { path?: unknown } | undefined)?.path;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets) || (typeof routePath === 'string' && PUBLIC_ROUTES.has(routePath))) {
      return true;
    }

    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    const principal = token ? await this.keys.authenticate(token) : null;
    if (!principal) {
      response.setHeader('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException({
        code: ErrorCode.Unauthorized,
        message: token ? 'API key is unknown or revoked' : 'needs Authorization: Bearer <API key>',
      });
    }

    const taken = this.rateLimit.take(principal);
    if (!taken.allowed) {
      response.setHeader('Retry-After', String(taken.retryAfterS));
      throw new HttpException({ code: ErrorCode.RateLimited, message: 'too many requests for this API key' }, HttpStatus.TOO_MANY_REQUESTS);
    }

    const roles = this.reflector.getAllAndOverride<ApiKeyRole[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.includes(principal.role)) {
      throw new ForbiddenException({ code: ErrorCode.Forbidden, message: `needs an API key with role ${roles.join(' or ')}` });
    }
    setPrincipal(request, principal);
    return true;
  }
}
