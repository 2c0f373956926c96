import { IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { controlSubject } from './subjects';

/**
 * Credentials checked by agent-api for the other edges (webrtc-gateway's `/ws/voice`): an API key
 * (`vbk_…`) or a short-lived voice token (`vbt_…`) that agent-api mints for the web app with
 * `POST /api/voice/token`. agent-api answers in its queue group; an unknown, revoked, expired or
 * malformed credential is an error reply with code `unauthorized`.
 */
export const AuthSubjects = {
  verify: controlSubject('auth', 'credential', 'verify'),
} as const;

export class VerifyCredentialRequest {
  @IsString() @IsNotEmpty() @MaxLength(2_000) credential!: string;
  /** The agent the caller wants to talk to: a voice token bound to another agent is refused. */
  @IsOptional() @IsUUID() agent_id?: string;
}

export type CredentialKind = 'api_key' | 'voice_token';

export interface VerifiedCredential {
  kind: CredentialKind;
  /** The API key's id (for a voice token: the key that minted it). Safe to log. */
  key_id: string;
  role: 'admin' | 'client';
  /** Voice tokens: the agent the token is for, when it was minted for one. */
  agent_id?: string;
  /** Voice tokens: epoch ms after which the token is refused. */
  expires_at_ms?: number;
}

/** `POST /api/voice/token` body. */
export class MintVoiceTokenRequest {
  @IsOptional() @IsUUID() agent_id?: string;
}

/** `POST /api/voice/token` answer: what the web app needs to open `/ws/voice`. */
export interface VoiceTokenDto {
  token: string;
  expires_at: string;
  /** Where to open the voice socket, e.g. `ws://host:4901/ws/voice`. */
  ws_url: string;
}
