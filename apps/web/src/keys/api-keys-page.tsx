import './keys.css';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/api-client';
import { API_KEY_ROLES, type ApiKey, type ApiKeyRole, type CreatedApiKey } from '../api/api-types';
import { useApi } from '../auth/auth';
import { readableFieldMessages } from '../ui/field-errors';
import { useResource } from '../ui/use-resource';
import { ConfirmButton, ErrorBanner, formatDate, Loading, PageHeader } from '../ui/widgets';

const ROLE_HINT: Record<ApiKeyRole, string> = {
  client: 'Client: talk to agents, manage agents and conversations.',
  admin: 'Admin: everything a client may, and manage API keys.',
};

/** API keys (`/api/keys`, admin keys only): list, create (the key shown once), revoke. */
export function ApiKeysPage() {
  const api = useApi();
  const keys = useResource(() => api.listKeys(), 'keys');
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revokeError, setRevokeError] = useState<unknown>(null);
  const forbidden = keys.error instanceof ApiError && keys.error.status === 403;

  async function revoke(key: ApiKey) {
    setRevokeError(null);
    try {
      await api.revokeKey(key.id);
    } catch (error) {
      setRevokeError(error);
    }
    keys.reload();
  }

  return (
    <>
      <PageHeader title="API keys" />
      {forbidden ? (
        <p className="banner banner-warn" data-testid="keys-forbidden">
          Only admin keys can see and manage API keys. You are signed in with a client key.
        </p>
      ) : (
        <>
          <ErrorBanner error={keys.error} title="Could not load the API keys" />
          <CreateKeyForm
            onCreated={(key) => {
              setCreated(key);
              keys.reload();
            }}
          />
          {created && <NewKey created={created} onDone={() => setCreated(null)} />}
          <ErrorBanner error={revokeError} title="Could not revoke the key" onDismiss={() => setRevokeError(null)} />
          {keys.loading && !keys.data && <Loading what="API keys" />}
          {keys.data && <KeyList keys={keys.data} onRevoke={(key) => void revoke(key)} />}
        </>
      )}
    </>
  );
}

function CreateKeyForm({ onCreated }: { onCreated(key: CreatedApiKey): void }) {
  const api = useApi();
  const [name, setName] = useState('');
  const [role, setRole] = useState<ApiKeyRole>('client');
  const [failure, setFailure] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const fields = failure instanceof ApiError && failure.code === 'validation_failed' ? failure.fields : {};
  const nameErrors = fields['name'];

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaving(true);
    setFailure(null);
    try {
      const key = await api.createKey({ name: name.trim(), role });
      setName('');
      onCreated(key);
    } catch (error) {
      setFailure(error);
    } finally {
      setSaving(false);
    }
  }

  return (
    <form className="card key-form" onSubmit={(event) => void submit(event)} noValidate aria-labelledby="new-key-title">
      <h2 id="new-key-title">New API key</h2>
      <ErrorBanner error={failure} title={nameErrors && Object.keys(fields).length === 1 ? 'Please fix the name' : 'Could not create the key'} fieldsShownElsewhere={Boolean(nameErrors) && Object.keys(fields).length === 1} testId="key-form-error" />
      <div className="key-form-fields">
        <div className={`field ${nameErrors ? 'field-invalid' : ''}`}>
          <label htmlFor="key-name">Name</label>
          <input
            id="key-name"
            value={name}
            maxLength={100}
            placeholder="e.g. dashboard, n8n, Ana’s laptop"
            aria-invalid={Boolean(nameErrors)}
            aria-describedby={nameErrors ? 'key-name-error' : 'key-name-hint'}
            onChange={(event) => setName(event.target.value)}
          />
          {nameErrors ? (
            <p id="key-name-error" className="field-error">
              {readableFieldMessages(nameErrors)}
            </p>
          ) : (
            <p id="key-name-hint" className="hint">
              Who or what uses it, to tell keys apart.
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor="key-role">Role</label>
          <select id="key-role" value={role} aria-describedby="key-role-hint" onChange={(event) => setRole(event.target.value as ApiKeyRole)}>
            {API_KEY_ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <p id="key-role-hint" className="hint">
            {ROLE_HINT[role]}
          </p>
        </div>
      </div>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={saving}>
          {saving ? 'Creating…' : 'Create key'}
        </button>
      </div>
    </form>
  );
}

/** The new key, once: it is never shown again (only its hash is stored). */
function NewKey({ created, onDone }: { created: CreatedApiKey; onDone(): void }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  async function copy() {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  }
  return (
    <section className="card new-key" aria-labelledby="created-key-title" data-testid="created-key">
      <h2 id="created-key-title">Key “{created.name}” created</h2>
      <p>
        <strong>Copy it now: it is shown only this once.</strong> VoxBridge keeps only a hash of it.
      </p>
      <div className="new-key-value">
        <label htmlFor="created-key-value" className="visually-hidden">
          The new API key
        </label>
        <input id="created-key-value" readOnly value={created.key} onFocus={(event) => event.target.select()} spellCheck={false} />
        <button type="button" className="primary" onClick={() => void copy()} data-testid="copy-key">
          Copy
        </button>
      </div>
      <p className="muted small" role="status">
        {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'failed' ? 'The browser refused the clipboard: select the key and copy it by hand.' : ''}
      </p>
      <button type="button" onClick={onDone}>
        I have stored it
      </button>
    </section>
  );
}

function KeyList({ keys, onRevoke }: { keys: ApiKey[]; onRevoke(key: ApiKey): void }) {
  if (keys.length === 0) return <p className="muted">No API keys.</p>;
  return (
    <div className="card table-wrap">
      <table className="keys-table">
        <caption className="visually-hidden">API keys</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Key starts</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">State</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key.id} data-testid="api-key-row" data-revoked={key.revoked_at !== null}>
              <th scope="row">{key.name}</th>
              <td>{key.role}</td>
              <td>
                <code>vbk_{key.prefix}…</code>
              </td>
              <td>{formatDate(key.created_at)}</td>
              <td>{key.last_used_at ? formatDate(key.last_used_at) : 'never'}</td>
              <td>{key.revoked_at ? `revoked ${formatDate(key.revoked_at)}` : 'active'}</td>
              <td>
                {!key.revoked_at && (
                  <ConfirmButton
                    label="Revoke"
                    ariaLabel={`Revoke ${key.name}`}
                    question={`Revoke “${key.name}”? Whatever uses it is refused from now on.`}
                    onConfirm={() => onRevoke(key)}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
