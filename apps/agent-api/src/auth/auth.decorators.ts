import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { ApiKeyRole, Principal } from './principal';

export const PUBLIC_KEY = 'voxbridge:public';
export const ROLES_KEY = 'voxbridge:roles';
const PRINCIPAL = Symbol('voxbridge:principal');

/** The route needs no API key. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

/** Only keys with one of these roles may call the route (default: any valid key). */
export const Roles = (...roles: ApiKeyRole[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);

type WithPrincipal = Request & { [PRINCIPAL]?: Principal };

export function setPrincipal(request: Request, principal: Principal): void {
  (request as WithPrincipal)[PRINCIPAL] = principal;
}

/** The caller's key, set by the guard (undefined on public routes). */
export function principalOf(request: Request): Principal | undefined {
  return (request as WithPrincipal)[PRINCIPAL];
}

/** Handler parameter: the authenticated caller. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  principalOf(context.switchToHttp().getRequest<Request>()),
);
