import { HttpException, HttpStatus } from '@nestjs/common';
import { BusError, BusNoRespondersError, BusRemoteError, BusValidationError } from '@voxbridge/bus';
import { ErrorCode } from '@voxbridge/contracts';

interface Translated {
  status: HttpStatus;
  code: ErrorCode;
  message: string;
  fields?: Record<string, string[]>;
}

/** discord-connector's refusals as HTTP. Every ErrorCode has a row. */
function translate(code: ErrorCode, message: string, fields: Record<string, string[]> | undefined): Translated {
  switch (code) {
    case ErrorCode.ValidationFailed:
      return { status: HttpStatus.BAD_REQUEST, code, message, ...(fields ? { fields } : {}) };
    case ErrorCode.NotFound:
      return { status: HttpStatus.NOT_FOUND, code, message };
    case ErrorCode.Conflict:
      return { status: HttpStatus.CONFLICT, code, message };
    case ErrorCode.NoResponders:
      return { status: HttpStatus.SERVICE_UNAVAILABLE, code: ErrorCode.Unavailable, message: 'discord-connector is not running' };
    case ErrorCode.Unavailable:
    case ErrorCode.DatabaseUnavailable:
      return { status: HttpStatus.SERVICE_UNAVAILABLE, code: ErrorCode.Unavailable, message };
    case ErrorCode.Timeout:
      return { status: HttpStatus.GATEWAY_TIMEOUT, code, message: 'discord-connector did not answer in time' };
    case ErrorCode.Unauthorized:
    case ErrorCode.Forbidden:
    case ErrorCode.PayloadTooLarge:
    case ErrorCode.RateLimited:
    case ErrorCode.EncryptionKeyMissing:
    case ErrorCode.Internal:
      return { status: HttpStatus.BAD_GATEWAY, code: ErrorCode.Internal, message: `discord-connector failed (${code})` };
    default: {
      const unknownCode: never = code;
      return { status: HttpStatus.BAD_GATEWAY, code: ErrorCode.Internal, message: `discord-connector failed (${String(unknownCode)})` };
    }
  }
}

/** Bus failures of a discord-connector call as the fleet's HTTP error; anything else unchanged (the global filter logs it as a 500). */
export function toDiscordHttpError(error: unknown): unknown {
  let translated: Translated;
  if (error instanceof BusNoRespondersError) translated = translate(ErrorCode.NoResponders, error.message, undefined);
  else if (error instanceof BusValidationError) translated = translate(ErrorCode.Internal, error.message, undefined);
  else if (error instanceof BusRemoteError) translated = translate(error.code, error.message, error.fields);
  else if (error instanceof BusError) translated = translate(error.code, error.message, undefined);
  else return error;
  const { status, ...body } = translated;
  return new HttpException(body, status, { cause: error });
}
