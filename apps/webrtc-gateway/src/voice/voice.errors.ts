import { VoiceCloseCode, type VoiceServerEvents } from '@voxbridge/contracts';

export { VoiceCloseCode } from '@voxbridge/contracts';

export enum VoiceSetupErrorCode {
  BadRequest = 'bad_request',
  Unauthorized = 'unauthorized',
  AgentNotFound = 'agent_not_found',
  SessionNotFound = 'session_not_found',
  /** A service the socket needs did not answer or failed (`serviceError` says which). */
  ServiceFailed = 'service_failed',
}

export type ServiceErrorData = VoiceServerEvents['service_error'];

/** Why a socket could not be opened; `message` is fit for the client (never holds the credential). */
export class VoiceSetupError extends Error {
  override readonly name = 'VoiceSetupError';

  constructor(
    readonly code: VoiceSetupErrorCode,
    message: string,
    readonly serviceError?: ServiceErrorData,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The close code for each setup failure (exhaustive). */
export function closeCodeOf(code: VoiceSetupErrorCode): number {
  switch (code) {
    case VoiceSetupErrorCode.BadRequest:
    case VoiceSetupErrorCode.Unauthorized:
      return VoiceCloseCode.PolicyViolation;
    case VoiceSetupErrorCode.AgentNotFound:
    case VoiceSetupErrorCode.SessionNotFound:
      return VoiceCloseCode.NotFound;
    case VoiceSetupErrorCode.ServiceFailed:
      return VoiceCloseCode.FleetFailed;
  }
}

/** Close reasons travel in one control frame: at most 123 bytes of UTF-8. */
export function closeReason(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.byteLength <= 123) return text;
  return `${bytes.subarray(0, 120).toString('utf8').replace(/\uFFFD+$/, '')}...`;
}
