import { HttpException, HttpStatus } from '@nestjs/common';
import { ErrorCode } from '@voxbridge/contracts';

export enum PluginsErrorCode {
  UnknownAgent = 'unknown_agent',
  /** The agent has no enabled plugin of this type. */
  NotConfigured = 'not_configured',
  /** discord: run by discord-connector, controlled through its own routes. */
  HostedElsewhere = 'hosted_elsewhere',
  /** No plugin-supervisor answered. */
  SupervisorDown = 'supervisor_down',
  /** Supervisors answered, none holds the plugin (yet): it is being placed. */
  NotPlaced = 'not_placed',
}

export class PluginsError extends Error {
  override readonly name = 'PluginsError';
  constructor(
    readonly code: PluginsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** PluginsError as HTTP; every code has a row. Anything else goes to the global filter (500 with an id). */
export function toPluginsHttpError(error: unknown): unknown {
  if (!(error instanceof PluginsError)) return error;
  const [status, code] = httpOf(error.code);
  return new HttpException({ code, message: error.message }, status, { cause: error });
}

function httpOf(code: PluginsErrorCode): [HttpStatus, ErrorCode] {
  switch (code) {
    case PluginsErrorCode.UnknownAgent:
    case PluginsErrorCode.NotConfigured:
      return [HttpStatus.NOT_FOUND, ErrorCode.NotFound];
    case PluginsErrorCode.HostedElsewhere:
      return [HttpStatus.CONFLICT, ErrorCode.Conflict];
    case PluginsErrorCode.SupervisorDown:
    case PluginsErrorCode.NotPlaced:
      return [HttpStatus.SERVICE_UNAVAILABLE, ErrorCode.Unavailable];
    default: {
      const unknown: never = code;
      throw new Error(`unmapped plugins error code ${String(unknown)}`);
    }
  }
}
