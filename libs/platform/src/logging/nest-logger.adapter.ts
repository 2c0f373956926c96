import type { LoggerService } from '@nestjs/common';
import type { AppLogger } from './app-logger';

/** Routes Nest's own log lines (router mapping, lifecycle) into the structured logger. */
export class NestLoggerAdapter implements LoggerService {
  constructor(private readonly logger: AppLogger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.logger.debug(String(message), context(params));
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.logger.warn(String(message), context(params));
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.logger.trace(String(message), context(params));
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.logger.trace(String(message), context(params));
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.logger.fatal(String(message), context(params));
  }

  error(message: unknown, ...params: unknown[]): void {
    const fields = context(params);
    if (message instanceof Error) {
      this.logger.error(message.message, { ...fields, err: message });
      return;
    }
    const stack = params.find((p) => typeof p === 'string' && p.includes('\n    at '));
    this.logger.error(String(message), stack ? { ...fields, stack } : fields);
  }
}

function context(params: unknown[]): { context?: string } {
  const last = params[params.length - 1];
  return typeof last === 'string' && !last.includes('\n') ? { context: last } : {};
}
