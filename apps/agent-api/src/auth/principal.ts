export const API_KEY_ROLES = ['admin', 'client'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** Who is calling: the API key a request (or a WebSocket) authenticated with. */
export interface Principal {
  keyId: string;
  name: string;
  role: ApiKeyRole;
  /** First 8 characters after `vbk_`: safe to log, identifies the key in `GET /api/keys`. */
  prefix: string;
  /** The key's own rate limit; null: the fleet's (RATE_LIMIT_PER_SECOND / RATE_LIMIT_BURST). */
  rateLimit: KeyRateLimit;
}

/** A key's own limits; a null part falls back to the fleet's setting. */
export interface KeyRateLimit {
  perSecond: number | null;
  burst: number | null;
}

/** Key metadata as listed: never the key, never its hash. */
export interface ApiKeyMetadata {
  id: string;
  name: string;
  role: ApiKeyRole;
  prefix: string;
  rateLimit: KeyRateLimit;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}
