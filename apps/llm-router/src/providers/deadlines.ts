/**
 * How long a person waits in a conversation before the answer must come or something must be said.
 * The defaults are a few seconds: past about 6 s of silence after speaking people repeat themselves
 * or give up, and a voice that stops mid-sentence for 4 s sounds broken. A miss moves on to the next
 * fallback step (before the first token) or ends the turn with an error the user hears as an apology.
 */
export interface LlmDeadlines {
  /** Request sent → first token of one attempt (connect and first byte included). */
  firstTokenMs: number;
  /** Longest gap between two tokens once the answer has started (keep-alive comments do not count). */
  interTokenMs: number;
}

export const DEFAULT_LLM_DEADLINES: LlmDeadlines = { firstTokenMs: 6_000, interTokenMs: 4_000 };

/** Runs `fire` after `ms`; the returned function cancels it. Injected in tests (no real time). */
export type Schedule = (ms: number, fire: () => void) => () => void;

export const realSchedule: Schedule = (ms, fire) => {
  const timer = setTimeout(fire, ms);
  return () => clearTimeout(timer);
};

/**
 * Resolves or rejects as `work` does, unless `ms` pass first: then `onMiss()` runs (abort the
 * attempt) and the result rejects with `miss()`. A late outcome of `work` is ignored, never
 * left unhandled.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, schedule: Schedule, miss: () => Error, onMiss: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const cancel = schedule(ms, () => {
      if (settled) return;
      settled = true;
      onMiss();
      reject(miss());
    });
    work.then(
      (value) => {
        if (settled) return;
        settled = true;
        cancel();
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        cancel();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
