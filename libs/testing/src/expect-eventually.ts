export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Extra context appended to the failure message, e.g. what a SubjectTap recorded. */
  context?: () => string;
  /** Checked after each failed try: a reason to stop waiting at once (what was awaited can no longer happen). */
  giveUp?: () => string | undefined;
}

/**
 * Retries `assertion` until it stops throwing (or returns a value that is not `false`), then returns
 * its result. On timeout, rethrows the last failure with the context attached. Use it instead of
 * sleeping in tests.
 */
export async function expectEventually<T>(assertion: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const result = await assertion();
      if (result !== false) return result;
      lastError = new Error('condition returned false');
    } catch (error) {
      lastError = error;
    }
    const hopeless = options.giveUp?.();
    if (hopeless) {
      const message = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(`expectEventually: gave up (${hopeless}): ${message}${options.context ? `\n${options.context()}` : ''}`);
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const message = lastError instanceof Error ? lastError.message : String(lastError);
  const failure = new Error(
    `expectEventually: not satisfied within ${timeoutMs} ms: ${message}${options.context ? `\n${options.context()}` : ''}`,
  );
  if (lastError instanceof Error && lastError.stack) failure.stack = `${failure.message}\n${lastError.stack}`;
  throw failure;
}
