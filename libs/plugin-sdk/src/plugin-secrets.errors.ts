export enum PluginSecretsErrorCode {
  /** A secret would be stored but no current key is configured: nothing is stored in plaintext. */
  EncryptionKeyMissing = 'encryption_key_missing',
  /** The ciphertext names a key id that is neither the current key nor an old one. */
  UnknownKey = 'unknown_key',
  /** Wrong key, tampered ciphertext, or a ciphertext moved to another agent / plugin / field. */
  DecryptFailed = 'decrypt_failed',
  /** A key string that is not `<key id>:<base64 32 bytes>`. */
  InvalidKey = 'invalid_key',
  /** The masked value was sent back for a field that has no stored secret. */
  NoStoredSecret = 'no_stored_secret',
}

/** Messages name the field (`plugins.discord.bot_token`), never a value. */
export class PluginSecretsError extends Error {
  override readonly name = 'PluginSecretsError';

  constructor(
    readonly code: PluginSecretsErrorCode,
    message: string,
    /** `plugins.<type>.<field>` when the error is about one field. */
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
