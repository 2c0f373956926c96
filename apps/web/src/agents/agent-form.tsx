import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../api/api-client';
import { LLM_PROVIDERS, type Agent, type AgentBody } from '../api/api-types';
import { ErrorBanner } from '../ui/widgets';
import { agentBody, formValuesOf, NEW_AGENT, storedDiscordToken, type AgentFormValues } from './agent-form-model';

type FieldErrors = Record<string, string[]>;
type TextKey = { [K in keyof AgentFormValues]: AgentFormValues[K] extends string ? K : never }[keyof AgentFormValues];
type FlagKey = { [K in keyof AgentFormValues]: AgentFormValues[K] extends boolean ? K : never }[keyof AgentFormValues];

const PROVIDER_LABEL: Record<(typeof LLM_PROVIDERS)[number], string> = {
  auto: 'Automatic (OpenRouter with a key, else Ollama)',
  openrouter: 'OpenRouter',
  openai_compatible: 'OpenAI-compatible (Ollama, vLLM, LM Studio)',
  n8n: 'n8n webhook',
};

/** Request field → the input that shows its errors (the rest are listed above the form). */
const FIELD_OF: Record<string, string> = { 'plugins.discord.bot_token': 'discord_bot_token', 'plugins.discord': 'discord_enabled', plugins: 'discord_enabled' };
const inputId = (field: string) => `agent-${field}`;

function errorsByInput(fields: FieldErrors): { byInput: FieldErrors; unplaced: Array<[string, string[]]> } {
  const byInput: FieldErrors = {};
  const unplaced: Array<[string, string[]]> = [];
  for (const [field, messages] of Object.entries(fields)) {
    const input = FIELD_OF[field] ?? field;
    if (input in NEW_AGENT) byInput[input] = [...(byInput[input] ?? []), ...messages];
    else unplaced.push([field, messages]);
  }
  return { byInput, unplaced };
}

export interface AgentFormProps {
  /** The agent being edited; absent: a new one. */
  agent?: Agent;
  save(body: AgentBody): Promise<Agent>;
  onSaved(agent: Agent): void;
  onCancel(): void;
}

export function AgentForm({ agent, save, onSaved, onCancel }: AgentFormProps) {
  const [values, setValues] = useState<AgentFormValues>(() => (agent ? formValuesOf(agent) : NEW_AGENT));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const { byInput, unplaced } = errorsByInput(errors);
  const token = storedDiscordToken(agent);

  const title = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    // The form opens above the cards: bring it into view for keyboard and screen-reader users.
    title.current?.focus();
  }, []);

  useEffect(() => {
    // Move focus to the first field the server complained about.
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);

  const set = <K extends keyof AgentFormValues>(key: K, value: AgentFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaving(true);
    setFailure(null);
    try {
      const saved = await save(agentBody(values, agent));
      setErrors({});
      onSaved(saved);
    } catch (error) {
      setErrors(error instanceof ApiError ? error.fields : {});
      setFailure(error);
    } finally {
      setSaving(false);
    }
  }

  const text = (key: TextKey, label: string, options: { type?: string; hint?: string; required?: boolean; step?: string; min?: number; max?: number } = {}) => (
    <Field id={inputId(key)} label={label} errors={byInput[key]} hint={options.hint}>
      {(aria) => (
        <input
          {...aria}
          name={key}
          type={options.type ?? 'text'}
          required={options.required}
          step={options.step}
          min={options.min}
          max={options.max}
          value={values[key]}
          onChange={(event) => set(key, event.target.value)}
        />
      )}
    </Field>
  );

  const flag = (key: FlagKey, label: string) => (
    <Field id={inputId(key)} label={label} errors={byInput[key]} inline>
      {(aria) => <input {...aria} name={key} type="checkbox" checked={values[key]} onChange={(event) => set(key, event.target.checked)} />}
    </Field>
  );

  const number = (key: TextKey, label: string, min: number, max: number, step: string, hint?: string) => text(key, label, { type: 'number', min, max, step, hint });

  return (
    <form ref={form} className="card agent-form" onSubmit={(event) => void submit(event)} noValidate aria-labelledby="agent-form-title">
      <h2 id="agent-form-title" ref={title} tabIndex={-1}>{agent ? `Edit ${agent.name}` : 'New agent'}</h2>
      {failure !== null && (
        <ErrorBanner error={failure} title={Object.keys(errors).length ? 'Please fix the marked fields' : 'Could not save the agent'} testId="agent-form-error" />
      )}
      {unplaced.length > 0 && (
        <ul className="banner banner-error" data-testid="agent-form-other-errors">
          {unplaced.map(([field, messages]) => (
            <li key={field}>
              <code>{field}</code>: {messages.join('; ')}
            </li>
          ))}
        </ul>
      )}

      <fieldset>
        <legend>Basics</legend>
        {text('name', 'Name', { required: true, hint: '1–100 characters, unique' })}
        {text('description', 'Description', { hint: 'Optional' })}
        <Field id={inputId('system_prompt')} label="System prompt" errors={byInput['system_prompt']}>
          {(aria) => (
            <textarea {...aria} name="system_prompt" rows={5} required value={values.system_prompt} onChange={(event) => set('system_prompt', event.target.value)} />
          )}
        </Field>
        {text('timezone', 'Time zone', { hint: 'IANA zone, e.g. Europe/Berlin' })}
      </fieldset>

      <fieldset>
        <legend>Language model</legend>
        <Field id={inputId('llm_provider')} label="Provider" errors={byInput['llm_provider']}>
          {(aria) => (
            <select {...aria} name="llm_provider" value={values.llm_provider} onChange={(event) => set('llm_provider', event.target.value as AgentFormValues['llm_provider'])}>
              {LLM_PROVIDERS.map((provider) => (
                <option key={provider} value={provider}>
                  {PROVIDER_LABEL[provider]}
                </option>
              ))}
            </select>
          )}
        </Field>
        {text('llm_model', 'Model', { hint: 'e.g. anthropic/claude-3.5-sonnet or llama3.1:8b' })}
        {(values.llm_provider === 'openai_compatible' || values.llm_base_url || byInput['llm_base_url']) &&
          text('llm_base_url', 'Base URL', { type: 'url', hint: 'e.g. http://127.0.0.1:11434/v1' })}
        {(values.llm_provider === 'n8n' || values.n8n_webhook_url || byInput['n8n_webhook_url']) && text('n8n_webhook_url', 'n8n webhook URL', { type: 'url' })}
        {number('temperature', 'Temperature', 0, 2, '0.1')}
      </fieldset>

      <fieldset>
        <legend>Listening</legend>
        {text('stt_provider', 'Speech-to-text provider')}
        {text('stt_language', 'Language', { hint: 'BCP 47, e.g. en; empty: detect' })}
        {number('silence_ms', 'Silence that ends a turn (ms)', 100, 5000, '50')}
        {number('max_utterance_ms', 'Longest utterance (ms)', 5000, 300000, '1000')}
      </fieldset>

      <fieldset>
        <legend>Voice</legend>
        {text('tts_provider', 'Text-to-speech provider')}
        {text('tts_voice', 'Voice', { hint: 'Voice id at the provider; empty: its default' })}
        {text('tts_language', 'Language')}
        {number('tts_exaggeration', 'Exaggeration', 0.25, 2, '0.05')}
        {number('tts_cfg_weight', 'CFG weight (pacing)', 0, 1, '0.05')}
        {number('tts_temperature', 'Voice temperature', 0.05, 5, '0.05')}
        {number('tts_speed', 'Speed', 0.5, 2, '0.05')}
        {flag('filter_actions_for_tts', 'Do not speak *stage directions*')}
      </fieldset>

      <fieldset>
        <legend>Discord</legend>
        {flag('discord_enabled', 'Enabled')}
        {flag('discord_auto_join', 'Join voice channels automatically')}
        <Field
          id={inputId('discord_bot_token')}
          label="Bot token"
          errors={byInput['discord_bot_token']}
          hint="Discord developer portal → your application → Bot → Reset Token. Stored encrypted; never shown again."
        >
          {(aria) => (
            <>
              <p className="token-status" data-testid="discord-token-status">
                {token.set ? `A token is set${token.last4 ? ` (ends in …${token.last4})` : ''}.` : 'No token set.'}
              </p>
              <input
                {...aria}
                name="discord_bot_token"
                type="password"
                autoComplete="off"
                spellCheck={false}
                placeholder={token.set ? 'Paste a new token to replace it' : 'Paste the bot token'}
                disabled={values.discord_clear_token}
                value={values.discord_bot_token}
                onChange={(event) => set('discord_bot_token', event.target.value)}
              />
            </>
          )}
        </Field>
        {token.set && flag('discord_clear_token', 'Remove the stored token')}
      </fieldset>

      <div className="form-actions">
        <button type="submit" className="primary" disabled={saving}>
          {saving ? 'Saving…' : agent ? 'Save changes' : 'Create agent'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

interface AriaProps {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby'?: string;
}

/** A label, the control, a hint and the server's messages for it, wired for screen readers. */
function Field({ id, label, errors, hint, inline, children }: { id: string; label: string; errors?: string[]; hint?: string; inline?: boolean; children(aria: AriaProps): ReactNode }) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = errors?.length ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  const control = children({ id, 'aria-invalid': Boolean(errorId), 'aria-describedby': describedBy });
  return (
    <div className={`field ${inline ? 'field-inline' : ''} ${errorId ? 'field-invalid' : ''}`}>
      {inline ? (
        <label htmlFor={id}>
          {control} {label}
        </label>
      ) : (
        <>
          <label htmlFor={id}>{label}</label>
          {control}
        </>
      )}
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
      {errorId && (
        <p id={errorId} className="field-error">
          {errors?.join('; ')}
        </p>
      )}
    </div>
  );
}
