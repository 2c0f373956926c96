export enum LauncherErrorCode {
  Usage = 'USAGE',
  BadConfig = 'BAD_CONFIG',
  NotBuilt = 'NOT_BUILT',
  PortInUse = 'PORT_IN_USE',
  HomeLocked = 'HOME_LOCKED',
  NatsUnavailable = 'NATS_UNAVAILABLE',
  PostgresFailed = 'POSTGRES_FAILED',
  MigrationFailed = 'MIGRATION_FAILED',
}

/** A failure the user can act on: its message is printed as is, without a stack. */
export class LauncherError extends Error {
  override readonly name = 'LauncherError';
  constructor(
    readonly code: LauncherErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Exit status of the launcher for each failure: 2 for a wrong command line, 1 for the rest. */
export function exitCodeOf(code: LauncherErrorCode): number {
  switch (code) {
    case LauncherErrorCode.Usage:
      return 2;
    case LauncherErrorCode.BadConfig:
    case LauncherErrorCode.NotBuilt:
    case LauncherErrorCode.PortInUse:
    case LauncherErrorCode.HomeLocked:
    case LauncherErrorCode.NatsUnavailable:
    case LauncherErrorCode.PostgresFailed:
    case LauncherErrorCode.MigrationFailed:
      return 1;
  }
}
