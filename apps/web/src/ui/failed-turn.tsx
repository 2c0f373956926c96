import './failed-turn.css';
import type { MessageError } from '../api/api-types';

const STAGE_NAME: Record<MessageError['stage'], string> = {
  stt: 'Speech recognition (STT)',
  llm: 'The language model (LLM)',
  tts: 'Speech synthesis (TTS)',
};

/** One line naming what failed: `The language model (LLM) failed · provider ollama · code provider_unreachable`. */
export function failureSummary(error: MessageError): string {
  const stage = STAGE_NAME[error.stage] ?? `The ${String(error.stage)} stage`;
  return `${stage} failed · provider ${error.provider ?? 'none'} · code ${error.code}`;
}

/**
 * A failed turn's answer: marked "Failed" in words and with a border pattern (not colour alone),
 * what failed (stage, provider, code, message) and what the user heard instead (`said`, the
 * apology; empty when nothing was played).
 */
export function FailedAnswer({ error, said }: { error: MessageError; said: string }) {
  return (
    <div className="bubble agent failed-answer" data-testid="failed-turn" data-stage={error.stage} data-code={error.code} role="group" aria-label="Failed answer">
      <p className="failed-title">
        <span className="badge badge-failed">
          <span aria-hidden="true">⚠ </span>Failed
        </span>{' '}
        <strong data-testid="failed-turn-summary">{failureSummary(error)}</strong>
      </p>
      {error.message && (
        <p className="small" data-testid="failed-turn-message">
          {error.message}
        </p>
      )}
      <p className="small" data-testid="failed-turn-said">
        {said ? (
          <>
            <span className="muted">Said instead: </span>
            {said}
          </>
        ) : (
          <span className="muted">Nothing was said instead.</span>
        )}
      </p>
    </div>
  );
}
