import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Bus } from '@voxbridge/bus';
import { AuthSubjects, type KeyRevokedEvent } from '@voxbridge/contracts';
import { AppLogger } from '@voxbridge/platform';
import { AgentApiEnv } from '../config/agent-api.env';
import { apiKeyPrefix, generateApiKey, hashApiKey, isApiKeyShaped } from './api-key-format';
import { ApiKeyRepository } from './api-key.repository';
import { AuthError, AuthErrorCode } from './auth.errors';
import type { ApiKeyMetadata, ApiKeyRole, KeyRateLimit, Principal } from './principal';

/**
 * Valid keys are remembered this long, so authenticating costs no database round trip. Revoking
 * on this replica forgets the key at once; other replicas stop accepting it within this TTL.
 */
export const KEY_CACHE_TTL_MS = 10_000;
const KEY_CACHE_MAX = 10_000;
/** last_used_at is written at most this often per key, not on every request. */
const TOUCH_EVERY_MS = 60_000;
export const BOOTSTRAP_KEY_NAME = 'admin (bootstrap)';

interface CachedKey {
  principal: Principal;
  expiresAtMs: number;
}

export interface CreatedApiKey {
  /** The key itself: returned once, never stored. */
  key: string;
  metadata: ApiKeyMetadata;
}

/** API keys: authentication (with a short in-memory cache), creation, listing, revocation, bootstrap. */
@Injectable()
export class ApiKeyService implements OnApplicationBootstrap {
  private readonly cache = new Map<string, CachedKey>();
  private readonly touchedAtMs = new Map<string, number>();
  /** Bumped on each revocation so a look-up that raced with it does not cache the revoked key. */
  private revocations = 0;
  private readonly logger: AppLogger;

  constructor(
    private readonly repository: ApiKeyRepository,
    private readonly config: AgentApiEnv,
    logger: AppLogger,
    private readonly bus: Bus,
  ) {
    this.logger = logger.child({ component: 'api-keys' });
  }

  async onApplicationBootstrap(): Promise<void> {
    const key = this.config.VOXBRIDGE_BOOTSTRAP_ADMIN_KEY;
    if (!key) return;
    const inserted = await this.repository.insertIfNoKeyExists({ name: BOOTSTRAP_KEY_NAME, role: 'admin', keyHash: hashApiKey(key), prefix: apiKeyPrefix(key) });
    if (inserted) this.logger.info('bootstrap admin key registered', { prefix: apiKeyPrefix(key) });
    else this.logger.debug('bootstrap admin key ignored: API keys exist');
  }

  /** The principal of a key (`vbk_...`, without `Bearer`), or null when unknown, revoked or malformed. */
  async authenticate(token: string): Promise<Principal | null> {
    if (!isApiKeyShaped(token)) return null;
    const keyHash = hashApiKey(token);
    const nowMs = Date.now();
    let principal = this.cached(keyHash, nowMs);
    if (!principal) {
      const revocationsBefore = this.revocations;
      principal = await this.repository.findActiveByHash(keyHash);
      if (principal && revocationsBefore === this.revocations) this.remember(keyHash, principal, nowMs);
    }
    if (principal) await this.touch(principal.keyId, nowMs);
    return principal;
  }

  async create(name: string, role: ApiKeyRole, rateLimit: KeyRateLimit = { perSecond: null, burst: null }): Promise<CreatedApiKey> {
    const key = generateApiKey();
    const metadata = await this.repository.insert({ name, role, keyHash: hashApiKey(key), prefix: apiKeyPrefix(key), rateLimit });
    this.logger.info('API key created', { key_id: metadata.id, prefix: metadata.prefix, role });
    return { key, metadata };
  }

  list(): Promise<ApiKeyMetadata[]> {
    return this.repository.list();
  }

  /** Revokes a key (idempotent); from now on this replica refuses it. */
  async revoke(id: string): Promise<void> {
    const outcome = await this.repository.revoke(id);
    switch (outcome.kind) {
      case 'not_found':
        throw new AuthError(AuthErrorCode.KeyNotFound, `no API key with id ${id}`);
      case 'last_admin':
        throw new AuthError(AuthErrorCode.LastAdminKey, 'cannot revoke the last active admin key: create another admin key first');
      case 'already_revoked':
        return;
      case 'revoked':
        this.revocations += 1;
        this.cache.delete(outcome.keyHash);
        this.logger.info('API key revoked', { key_id: id });
        this.announceRevoked(id);
        return;
    }
  }

  /**
   * Tells every socket server of the fleet (this and other agent-api replicas' /ws/events,
   * webrtc-gateway's /ws/voice) to close the key's sockets. Best effort: a bus that is down loses
   * the event, and the sockets stay open until they close (new sockets are refused at once).
   */
  private announceRevoked(keyId: string): void {
    const event: KeyRevokedEvent = { key_id: keyId, revoked_at: new Date().toISOString() };
    try {
      this.bus.publishJson(AuthSubjects.keyRevoked, event);
    } catch (error) {
      this.logger.warn('could not announce the revoked API key; its open sockets stay open', { key_id: keyId, err: error });
    }
  }

  private cached(keyHash: string, nowMs: number): Principal | null {
    const entry = this.cache.get(keyHash);
    if (!entry) return null;
    if (entry.expiresAtMs > nowMs) return entry.principal;
    this.cache.delete(keyHash);
    return null;
  }

  private remember(keyHash: string, principal: Principal, nowMs: number): void {
    if (this.cache.size >= KEY_CACHE_MAX) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(keyHash, { principal, expiresAtMs: nowMs + KEY_CACHE_TTL_MS });
  }

  /** Records use at most once a minute per key; a failure to record never fails the request. */
  private async touch(keyId: string, nowMs: number): Promise<void> {
    const lastMs = this.touchedAtMs.get(keyId);
    if (lastMs !== undefined && nowMs - lastMs < TOUCH_EVERY_MS) return;
    if (this.touchedAtMs.size >= KEY_CACHE_MAX) this.touchedAtMs.clear();
    this.touchedAtMs.set(keyId, nowMs);
    try {
      await this.repository.touch(keyId);
    } catch (error) {
      this.logger.warn('could not record API key use', { key_id: keyId, err: error });
    }
  }
}
