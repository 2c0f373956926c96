export enum LlmProviderErrorCode {
  Unauthorized = 'unauthorized',
  RateLimited = 'rate_limited',
  BadRequest = 'bad_request',
  Unavailable = 'unavailable',
  Timeout = 'timeout',
  Protocol = 'protocol',
  Aborted = 'aborted',
  CircuitOpen = 'circuit_open',
}

/** Whether any text had reached the caller when the failure happened. */
export type LlmErrorPhase = 'before_first_token' | 'after_first_token';

/** Codes where trying the same endpoint again can help. */
const TRANSIENT = new Set<LlmProviderErrorCode>([
  LlmProviderErrorCode.RateLimited,
  LlmProviderErrorCode.Unavailable,
  LlmProviderErrorCode.Timeout,
]);

export interface LlmProviderErrorOptions {
  phase: LlmErrorPhase;
  provider?: string;
  /** HTTP status when the provider answered with one. */
  status?: number;
  cause?: unknown;
}

export class LlmProviderError extends Error {
  readonly phase: LlmErrorPhase;
  readonly provider: string | undefined;
  readonly status: number | undefined;
  /**
   * A new attempt may succeed and is safe: the code is transient and no text reached the caller
   * (after the first token a retry would repeat words).
   */
  readonly retryable: boolean;

  constructor(
    readonly code: LlmProviderErrorCode,
    message: string,
    options: LlmProviderErrorOptions,
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LlmProviderError';
    this.phase = options.phase;
    this.provider = options.provider;
    this.status = options.status;
    this.retryable = options.phase === 'before_first_token' && TRANSIENT.has(code);
  }

  get afterFirstToken(): boolean {
    return this.phase === 'after_first_token';
  }
}

/** Maps an HTTP error status to a code, as the providers' docs describe them. */
export function codeForHttpStatus(status: number): LlmProviderErrorCode {
  if (status === 401 || status === 403) return LlmProviderErrorCode.Unauthorized;
  if (status === 429) return LlmProviderErrorCode.RateLimited;
  if (status === 408) return LlmProviderErrorCode.Timeout;
  if (status >= 500) return LlmProviderErrorCode.Unavailable;
  return LlmProviderErrorCode.BadRequest;
}
