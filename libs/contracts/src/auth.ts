import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { requestContract } from './contract';
import { controlSubject, eventSubject } from './subjects';

/**
 * Credentials checked by agent-api for the other edges (webrtc-gateway's `/ws/voice`): an API key
 * (`vbk_…`) or a short-lived voice token (`vbt_…`) that agent-api mints for the web app with
 * `POST /api/voice/token`. agent-api answers in its queue group; an unknown, revoked, expired or
 * malformed credential is an error reply with code `unauthorized`.
 */
export const AuthSubjects = {
  verify: controlSubject('auth', 'credential', 'verify'),
  /** agent-api revoked an API key (`KeyRevokedEvent`): every socket opened with it (or a token it minted) closes. */
  keyRevoked: eventSubject('auth', 'key', 'revoked'),
} as const;

/** `auth.v1.evt.key.revoked`: published by the agent-api replica that revoked the key. */
export class KeyRevokedEvent {
  @IsUUID() key_id!: string;
  @IsString() @MaxLength(40) revoked_at!: string;
}

/**
 * Close code of a `/ws/events` or `/ws/voice` socket whose API key was revoked (4000–4999 are the
 * application's; 4401 reads as "unauthorized now"). The reason says so.
 */
export const KEY_REVOKED_CLOSE_CODE = 4401;
export const KEY_REVOKED_CLOSE_REASON = 'the API key was revoked';

export class VerifyCredentialRequest {
  @IsString() @IsNotEmpty() @MaxLength(2_000) credential!: string;
  /** The agent the caller wants to talk to: a voice token bound to another agent is refused. */
  @IsOptional() @IsUUID() agent_id?: string;
  /**
   * The session the caller wants to resume: refused with `not_found` when the credential's key may
   * not see it (a `client` key sees only the sessions it created), exactly as a missing session.
   */
  @IsOptional() @IsUUID() session_id?: string;
}

export const CREDENTIAL_KINDS = ['api_key', 'voice_token'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

export class VerifiedCredential {
  @IsIn(CREDENTIAL_KINDS) kind!: CredentialKind;
  /** The API key's id (for a voice token: the key that minted it). Safe to log. */
  @IsUUID() key_id!: string;
  @IsIn(['admin', 'client']) role!: 'admin' | 'client';
  /** Voice tokens: the agent the token is for, when it was minted for one. */
  @IsOptional() @IsUUID() agent_id?: string;
  /** Voice tokens: epoch ms after which the token is refused. */
  @IsOptional() @IsInt() expires_at_ms?: number;
}

/** agent-api's credential check for the other edges, one timeout for every gateway. */
export const AuthContracts = {
  verify: requestContract({ subject: AuthSubjects.verify, request: VerifyCredentialRequest, reply: VerifiedCredential, timeoutMs: 3_000 }),
} as const;

/** `POST /api/voice/token` body. */
export class MintVoiceTokenRequest {
  @IsOptional() @IsUUID() agent_id?: string;
  /** The session the token is for (resuming it): 404 when the caller's key may not see it. */
  @IsOptional() @IsUUID() session_id?: string;
}

/** `POST /api/voice/token` answer: what the web app needs to open `/ws/voice`. */
export interface VoiceTokenDto {
  token: string;
  expires_at: string;
  /** Where to open the voice socket, e.g. `ws://host:4901/ws/voice`. */
  ws_url: string;
}
