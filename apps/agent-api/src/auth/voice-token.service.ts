import { Injectable } from '@nestjs/common';
import { isUuid, type VerifiedCredential } from '@voxbridge/contracts';
import { AgentApiEnv } from '../config/agent-api.env';
import { isApiKeyShaped } from './api-key-format';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import type { Principal } from './principal';
import { mintVoiceToken, readVoiceToken, signatureMatches, voiceTokenSigningKey } from './voice-token';

/** Why a credential was refused; said to the caller (never the credential itself). */
export class CredentialRefused extends Error {
  override readonly name = 'CredentialRefused';
}

/**
 * Credentials for the other edges: API keys, and short-lived voice tokens minted for the web app so
 * that the page never has to put an API key in a WebSocket URL. Tokens are stateless (HMAC, see
 * voice-token.ts) and die with the API key that minted them.
 */
@Injectable()
export class VoiceTokenService {
  constructor(
    private readonly keys: ApiKeyService,
    private readonly repository: ApiKeyRepository,
    private readonly config: AgentApiEnv,
  ) {}

  async mint(principal: Principal, agentId: string | undefined, nowMs = Date.now()): Promise<{ token: string; expiresAtMs: number }> {
    const found = await this.repository.findActiveWithHashById(principal.keyId);
    if (!found) throw new CredentialRefused('the API key was revoked');
    const expiresAtMs = nowMs + this.config.VOICE_TOKEN_TTL_S * 1_000;
    const token = mintVoiceToken({ keyId: principal.keyId, agentId, expiresAtMs }, this.signingKey(found.keyHash));
    return { token, expiresAtMs };
  }

  /** The credential's holder, or CredentialRefused naming what is wrong. */
  async verify(credential: string, agentId: string | undefined, nowMs = Date.now()): Promise<VerifiedCredential> {
    if (isApiKeyShaped(credential)) {
      const principal = await this.keys.authenticate(credential);
      if (!principal) throw new CredentialRefused('unknown or revoked API key');
      return { kind: 'api_key', key_id: principal.keyId, role: principal.role };
    }
    const claims = readVoiceToken(credential);
    if (!claims || !isUuid(claims.keyId)) throw new CredentialRefused('not an API key (vbk_…) or a voice token (vbt_…)');
    if (claims.expiresAtMs <= nowMs) throw new CredentialRefused('the voice token has expired: ask POST /api/voice/token for a new one');
    const found = await this.repository.findActiveWithHashById(claims.keyId);
    if (!found || !signatureMatches(claims.body, claims.signature, this.signingKey(found.keyHash))) {
      throw new CredentialRefused('invalid voice token (or the API key that minted it was revoked)');
    }
    if (claims.agentId && agentId && claims.agentId !== agentId) throw new CredentialRefused('the voice token was minted for another agent');
    return { kind: 'voice_token', key_id: claims.keyId, role: found.principal.role, agent_id: claims.agentId, expires_at_ms: claims.expiresAtMs };
  }

  private signingKey(keyHash: string): Buffer {
    return voiceTokenSigningKey(keyHash, this.config.VOXBRIDGE_ENCRYPTION_KEY);
  }
}
