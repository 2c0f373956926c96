import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const VOICE_TOKEN_PREFIX = 'vbt_';
const SHAPE = /^vbt_([A-Za-z0-9_-]{10,600})\.([A-Za-z0-9_-]{43})$/;
const CONTEXT = 'voxbridge voice token v1';

/** What a voice token says: who minted it, for which agent, until when. */
export interface VoiceTokenClaims {
  keyId: string;
  agentId?: string;
  expiresAtMs: number;
}

/**
 * The signing key of one API key's voice tokens: derived from the key's stored hash and, when the
 * fleet has one, the encryption key — so tokens die with their API key (revocation) and cannot be
 * forged from a database dump alone when an encryption key is configured.
 */
export function voiceTokenSigningKey(keyHash: string, encryptionKey: string | undefined): Buffer {
  return createHmac('sha256', keyHash).update(`${CONTEXT}|${encryptionKey ?? ''}`).digest();
}

/** `vbt_<base64url claims>.<base64url HMAC-SHA256>`: stateless, so any agent-api replica can verify it. */
export function mintVoiceToken(claims: VoiceTokenClaims, signingKey: Buffer): string {
  const body = Buffer.from(
    JSON.stringify({ k: claims.keyId, a: claims.agentId, e: claims.expiresAtMs, n: randomBytes(8).toString('base64url') }),
  ).toString('base64url');
  return `${VOICE_TOKEN_PREFIX}${body}.${sign(body, signingKey)}`;
}

/** The claims of a well-formed token, unverified (to find the key that signed it); null when malformed. */
export function readVoiceToken(token: string): (VoiceTokenClaims & { body: string; signature: string }) | null {
  const match = SHAPE.exec(token);
  if (!match) return null;
  const [, body = '', signature = ''] = match;
  try {
    const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { k?: unknown; a?: unknown; e?: unknown };
    if (typeof parsed.k !== 'string' || typeof parsed.e !== 'number') return null;
    if (parsed.a !== undefined && typeof parsed.a !== 'string') return null;
    return { keyId: parsed.k, agentId: parsed.a as string | undefined, expiresAtMs: parsed.e, body, signature };
  } catch {
    return null;
  }
}

export function signatureMatches(body: string, signature: string, signingKey: Buffer): boolean {
  const expected = Buffer.from(sign(body, signingKey));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function sign(body: string, signingKey: Buffer): string {
  return createHmac('sha256', signingKey).update(body).digest('base64url');
}
