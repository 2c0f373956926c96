/** The few log calls the Bus makes. Message text is static; ids and problems travel in fields. */
export interface BusLogger {
  debug?(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

function line(level: string, msg: string, fields?: Record<string, unknown>): string {
  return `${JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields })}\n`;
}

/** JSON lines on stderr, for processes that did not hand the Bus their own logger. */
export const stderrLogger: BusLogger = {
  warn: (msg, fields) => process.stderr.write(line('warn', msg, fields)),
  error: (msg, fields) => process.stderr.write(line('error', msg, fields)),
};

/** Log fields of a thrown value (never its payload). */
export function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { err: { name: error.name, message: error.message, ...(code !== undefined ? { code } : {}), stack: error.stack } };
  }
  return { err: { message: String(error) } };
}
