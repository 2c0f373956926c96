export enum SessionsErrorCode {
  /** agent-api knows no agent with this id. */
  AgentNotFound = 'agent_not_found',
  /** agent-api did not answer (no responders, timeout, error). */
  AgentUnavailable = 'agent_unavailable',
  /** agent-api answered with an agent this service cannot use (a field is missing or wrong). */
  AgentInvalid = 'agent_invalid',
}

/** Why a session could not be taken. Mapped to the fleet's ErrorCode at the bus edge. */
export class SessionsError extends Error {
  override readonly name = 'SessionsError';

  constructor(
    readonly code: SessionsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
