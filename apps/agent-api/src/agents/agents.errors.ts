export enum AgentsErrorCode {
  NotFound = 'not_found',
  NameTaken = 'name_taken',
  Invalid = 'invalid',
  EncryptionKeyMissing = 'encryption_key_missing',
}

export class AgentsError extends Error {
  override readonly name = 'AgentsError';

  constructor(
    readonly code: AgentsErrorCode,
    message: string,
    /** Field path → problems (for `invalid` and `encryption_key_missing`). */
    readonly fields?: Record<string, string[]>,
  ) {
    super(message);
  }
}
