export const API_KEY_ROLES = ['admin', 'client'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** Who is calling: the API key a request (or a WebSocket) authenticated with. */
export interface Principal {
  keyId: string;
  name: string;
  role: ApiKeyRole;
  /** First 8 characters after `vbk_`: safe to log, identifies the key in `GET /api/keys`. */
  prefix: string;
}

/** Key metadata as listed: never the key, never its hash. */
export interface ApiKeyMetadata {
  id: string;
  name: string;
  role: ApiKeyRole;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}
