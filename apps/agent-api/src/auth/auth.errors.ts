export enum AuthErrorCode {
  KeyNotFound = 'key_not_found',
  LastAdminKey = 'last_admin_key',
}

/** A refused key operation; the controller maps each code to its HTTP answer. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
  }
}
