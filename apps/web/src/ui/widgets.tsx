import { useEffect, useState, type ReactNode } from 'react';
import { ApiError, describeError } from '../api/api-client';
import { readableFieldMessages } from './field-errors';

/**
 * A prominent error with what failed. The server's code is shown for API errors; its request id
 * only for server faults (5xx), where it helps find the log line. A `validation_failed` answer
 * lists its fields readably, never the validator's raw summary.
 */
export function ErrorBanner({
  error,
  title,
  onDismiss,
  testId = 'error-banner',
  fieldsShownElsewhere = false,
}: {
  error: unknown;
  title?: string;
  onDismiss?: () => void;
  testId?: string;
  /** The form shows each field's messages beside it: say only that some need fixing. */
  fieldsShownElsewhere?: boolean;
}) {
  if (!error) return null;
  const apiError = error instanceof ApiError ? error : null;
  const fields = apiError?.code === 'validation_failed' ? Object.entries(apiError.fields) : [];
  if (fields.length > 0) {
    return (
      <div className="banner banner-error" role="alert" data-testid={testId}>
        <div>
          <strong>{title ?? 'Some values were not accepted'}.</strong>
          {!fieldsShownElsewhere && (
            <ul>
              {fields.map(([field, messages]) => (
                <li key={field}>
                  {field}: {readableFieldMessages(messages)}
                </li>
              ))}
            </ul>
          )}
        </div>
        {onDismiss && (
          <button type="button" className="ghost" onClick={onDismiss}>
            Dismiss
          </button>
        )}
      </div>
    );
  }
  return (
    <div className="banner banner-error" role="alert" data-testid={testId}>
      <div>
        {title && <strong>{title}: </strong>}
        {describeError(error)}
        {apiError && apiError.status > 0 && (
          <span className="muted small">
            {' '}
            ({apiError.code}
            {apiError.status >= 500 && apiError.requestId ? `, request ${apiError.requestId}` : ''})
          </span>
        )}
      </div>
      {onDismiss && (
        <button type="button" className="ghost" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}

/**
 * A destructive button that asks first: the first press shows "Delete <what>?" with Confirm and
 * Cancel; only Confirm acts.
 */
export function ConfirmButton({
  label,
  question,
  onConfirm,
  disabled,
  ariaLabel,
}: {
  label: string;
  question: string;
  onConfirm: () => void;
  disabled?: boolean;
  /** A name that tells this button from its siblings ("Delete Auren"); should start with `label`. */
  ariaLabel?: string;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" className="danger" onClick={() => setAsking(true)} disabled={disabled} aria-label={ariaLabel}>
        {label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={question}>
      <span>{question}</span>
      <button
        type="button"
        className="danger"
        autoFocus
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        Confirm
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

/** The browser tab's title: `<page> · VoxBridge`. */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · VoxBridge` : 'VoxBridge';
  }, [title]);
}

/** The page's heading; it also names the browser tab after the page. */
export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  useDocumentTitle(title);
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {children && <div className="actions">{children}</div>}
    </div>
  );
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

export function formatDate(iso: string | null): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function formatUptime(ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}
