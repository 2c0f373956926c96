/** What went wrong with a speech-to-text provider; the bus edge maps each code. */
export enum SttErrorCode {
  /** Not installed, not reachable, refused the connection, or answered 5xx/401/429. */
  Unavailable = 'unavailable',
  /** No answer (connection, final transcript) within the configured time. */
  Timeout = 'timeout',
  /** The provider answered something the protocol does not allow, or reported an error. */
  Protocol = 'protocol',
  /** The caller's AbortSignal fired, or the stream was closed meanwhile. */
  Aborted = 'aborted',
  /** The audio is not what the stream accepts (odd byte count, wrong rate) or the provider refused it. */
  BadAudio = 'bad_audio',
}

export class SttError extends Error {
  override readonly name = 'SttError';

  constructor(
    readonly code: SttErrorCode,
    /** Which provider failed (`whisperx`, `openai-compatible`, `pocketsphinx`). */
    readonly provider: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
