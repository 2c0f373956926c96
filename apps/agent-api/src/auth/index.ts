export { ApiKeyService } from './api-key.service';
export { CurrentPrincipal, principalOf, Public, Roles } from './auth.decorators';
export { AuthModule } from './auth.module';
export type { ApiKeyRole, Principal } from './principal';
