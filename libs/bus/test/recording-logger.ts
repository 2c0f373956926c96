import type { BusLogger } from '../src';

export interface LogEntry {
  level: 'debug' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

/** A BusLogger that keeps what it was told, so tests can assert on what was logged. */
export class RecordingLogger implements BusLogger {
  readonly entries: LogEntry[] = [];

  debug(msg: string, fields: Record<string, unknown> = {}): void {
    this.entries.push({ level: 'debug', msg, fields });
  }

  warn(msg: string, fields: Record<string, unknown> = {}): void {
    this.entries.push({ level: 'warn', msg, fields });
  }

  error(msg: string, fields: Record<string, unknown> = {}): void {
    this.entries.push({ level: 'error', msg, fields });
  }

  find(msg: string): LogEntry[] {
    return this.entries.filter((entry) => entry.msg === msg);
  }

  dump(): string {
    return `log:\n${this.entries.map((entry) => `  ${entry.level} ${entry.msg} ${JSON.stringify(entry.fields)}`).join('\n')}`;
  }
}
