/** Why an import stopped before writing anything. */
export enum ImportErrorCode {
  /** Command line or environment not usable (missing --from, bad URL, malformed key). */
  Usage = 'usage',
  /** The VoxBridge 2.0 database (or the fleet's) cannot be reached. */
  SourceUnreachable = 'source_unreachable',
  TargetUnreachable = 'target_unreachable',
  /** The source lacks a table or column the import needs: not a VoxBridge 2.0 database. */
  SourceSchema = 'source_schema',
  /** Fernet secrets in the source but no old key given. */
  OldKeyMissing = 'old_key_missing',
  /** The old key does not decrypt a secret (wrong key or damaged token). */
  OldKeyWrong = 'old_key_wrong',
  /** Secrets to store but VOXBRIDGE_ENCRYPTION_KEY is not set. */
  NewKeyMissing = 'new_key_missing',
  /** The fleet refused a write; the transaction was rolled back. */
  WriteFailed = 'write_failed',
}

/** Messages name tables, rows and fields, never a secret value or a password. */
export class ImportError extends Error {
  override readonly name = 'ImportError';

  constructor(
    readonly code: ImportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
