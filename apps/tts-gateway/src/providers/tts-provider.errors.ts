export enum TtsErrorCode {
  /** Nothing answered, the connection broke, the server is overloaded (503, 429, 5xx) or the engine is missing. */
  Unavailable = 'unavailable',
  /** No headers, or no next body byte, within the provider's timeout (also 408, 504). */
  Timeout = 'timeout',
  /** The provider refused this request (4xx, e.g. an unknown voice): retrying will not help. */
  BadRequest = 'bad_request',
  /** Our own abort (barge-in, shutdown). Not a provider fault. */
  Aborted = 'aborted',
  /** The provider answered with something that is not the audio we asked for. */
  Protocol = 'protocol',
}

export class TtsProviderError extends Error {
  override readonly name = 'TtsProviderError';

  constructor(
    readonly code: TtsErrorCode,
    readonly provider: string,
    message: string,
    readonly details: { statusCode?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }

  /** Whether trying again (or the next provider in a fallback chain) can help. */
  get retryable(): boolean {
    return this.code === TtsErrorCode.Unavailable || this.code === TtsErrorCode.Timeout;
  }
}

/** The error code an HTTP status means, for HTTP providers. */
export function codeForStatus(statusCode: number): TtsErrorCode {
  if (statusCode === 408 || statusCode === 504) return TtsErrorCode.Timeout;
  if (statusCode === 429 || statusCode >= 500) return TtsErrorCode.Unavailable;
  if (statusCode >= 400) return TtsErrorCode.BadRequest;
  return TtsErrorCode.Protocol;
}
