import pino, { type Logger as Pino } from 'pino';
import type { LogFormat, LogLevel } from '../config/service-env';

export type LogFields = Record<string, unknown>;

/**
 * Fields that may carry what people said or secrets. Logged values under these keys are replaced,
 * so transcripts, prompts and user ids can go in fields and never in message text.
 */
export const REDACTED_FIELDS = [
  'transcript', 'text', 'prompt', 'content', 'user_id', 'userId',
  'token', 'api_key', 'apiKey', 'password', 'secret', 'authorization',
];

export interface LoggerOptions {
  service: string;
  level: LogLevel;
  format: LogFormat;
  bindings?: LogFields;
  /** Where JSON lines go (default stdout); tests pass a sink. */
  destination?: NodeJS.WritableStream;
}

/**
 * Structured logger: static messages, ids and values as fields. JSON lines, or pretty in a terminal.
 */
export class AppLogger {
  constructor(private readonly pino: Pino) {}

  static create(options: LoggerOptions): AppLogger {
    const pretty = options.format === 'pretty' || (options.format === 'auto' && process.stdout.isTTY === true);
    const config: pino.LoggerOptions = {
      level: options.level,
      base: { service: options.service, ...options.bindings },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`]), censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    };
    if (pretty && !options.destination) {
       
      const prettyStream = (require('pino-pretty') as typeof import('pino-pretty'))({
        sync: true,
        // Left to pino-pretty: colour on a terminal, or when FORCE_COLOR is set (the launcher's pipes).
        ignore: 'pid,hostname,service',
        translateTime: 'HH:MM:ss.l',
      });
      return new AppLogger(pino(config, prettyStream));
    }
    return new AppLogger(pino(config, options.destination ?? pino.destination({ sync: true })));
  }

  child(bindings: LogFields): AppLogger {
    return new AppLogger(this.pino.child(bindings));
  }

  isLevelEnabled(level: LogLevel): boolean {
    return this.pino.isLevelEnabled(level);
  }

  trace(msg: string, fields?: LogFields): void {
    this.pino.trace(fields ?? {}, msg);
  }

  debug(msg: string, fields?: LogFields): void {
    this.pino.debug(fields ?? {}, msg);
  }

  info(msg: string, fields?: LogFields): void {
    this.pino.info(fields ?? {}, msg);
  }

  warn(msg: string, fields?: LogFields): void {
    this.pino.warn(fields ?? {}, msg);
  }

  /** `error` may be anything thrown; it is serialised with its stack under `err`. */
  error(msg: string, fields?: LogFields & { err?: unknown }): void {
    this.pino.error(fields ?? {}, msg);
  }

  fatal(msg: string, fields?: LogFields & { err?: unknown }): void {
    this.pino.fatal(fields ?? {}, msg);
  }
}
