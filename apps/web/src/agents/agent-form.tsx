import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../api/api-client';
import { LLM_PROVIDERS, type Agent, type AgentBody, type AgentSttProvider, type AgentTtsProvider } from '../api/api-types';
import { DiscordStatus, type LoadDiscordStatus } from '../plugins/discord-status';
import { PluginRuntimeList, type PluginsApi } from '../plugins/plugin-runtime';
import { readableFieldMessages } from '../ui/field-errors';
import { ErrorBanner } from '../ui/widgets';
import { agentBody, formValuesOf, n8nUrlProblem, NEW_AGENT, storedDiscordToken, storedPluginSecret, USES_BASE_URL, type AgentFormValues, type FallbackStepValues } from './agent-form-model';
import { FallbackEditor } from './fallback-editor';

type FieldErrors = Record<string, string[]>;
type TextKey = { [K in keyof AgentFormValues]: AgentFormValues[K] extends string ? K : never }[keyof AgentFormValues];
type Choice = { value: string; label: string; hint: string };
type FlagKey = { [K in keyof AgentFormValues]: AgentFormValues[K] extends boolean ? K : never }[keyof AgentFormValues];

const PROVIDER_LABEL: Record<(typeof LLM_PROVIDERS)[number], string> = {
  auto: 'Automatic',
  openrouter: 'OpenRouter',
  openai_compatible: 'OpenAI-compatible server',
  n8n: 'n8n webhook',
};

const PROVIDER_HINT: Record<(typeof LLM_PROVIDERS)[number], string> = {
  auto: 'llm-router picks: OpenRouter when it has OPENROUTER_API_KEY, else the base URL below when set, else Ollama (OLLAMA_BASE_URL).',
  openrouter: 'Needs OPENROUTER_API_KEY on llm-router; the model is an OpenRouter id.',
  openai_compatible: 'Ollama, vLLM, LM Studio…: set the server’s base URL below.',
  n8n: 'Sends each turn to your n8n workflow: set its webhook URL below.',
};

/** Every provider the API accepts (libs/contracts AGENT_STT_PROVIDERS / AGENT_TTS_PROVIDERS), each with what configures it. */
const STT_PROVIDERS: Record<AgentSttProvider, Omit<Choice, 'value'>> = {
  auto: { label: 'Automatic', hint: 'stt-gateway picks WhisperX, else an OpenAI-compatible server, else pocketsphinx, by what it is configured with.' },
  whisperx: { label: 'WhisperX', hint: 'Needs WHISPERX_URL (ws://host:port) on stt-gateway.' },
  openai_compatible: { label: 'OpenAI-compatible server', hint: 'Needs STT_OPENAI_BASE_URL (+ STT_OPENAI_MODEL, STT_OPENAI_API_KEY) on stt-gateway.' },
  local: { label: 'Local (pocketsphinx)', hint: 'Needs the pocketsphinx and pocketsphinx-en-us packages on the stt-gateway machine; rough, English only.' },
};

const TTS_PROVIDERS: Record<AgentTtsProvider, Omit<Choice, 'value'>> = {
  auto: { label: 'Automatic', hint: 'tts-gateway picks Chatterbox, else an OpenAI-compatible server, else flite / espeak-ng, by what it is configured with.' },
  chatterbox: { label: 'Chatterbox', hint: 'Needs CHATTERBOX_URL on tts-gateway; the only one that reads the expressiveness settings.' },
  openai_compatible: { label: 'OpenAI-compatible server', hint: 'Needs OPENAI_TTS_URL (+ OPENAI_TTS_MODEL, OPENAI_TTS_API_KEY) on tts-gateway.' },
  local: { label: 'Local (flite / espeak-ng)', hint: 'Needs flite or espeak-ng on the tts-gateway machine; robotic but always there.' },
};

const choicesOf = (providers: Record<string, Omit<Choice, 'value'>>): Choice[] => Object.entries(providers).map(([value, choice]) => ({ value, ...choice }));
const STT_CHOICES = choicesOf(STT_PROVIDERS);
const TTS_CHOICES = choicesOf(TTS_PROVIDERS);

/** The bot runs only for an agent saved with Discord enabled: a new or disabled one has no state to ask for. */
const discordEnabled = (agent: Agent) => agent.plugins['discord']?.enabled === true;
const n8nEnabled = (agent: Agent) => agent.plugins['n8n']?.enabled === true;

/** "A … is set (ends in …x9Zq)." or "No … set." */
const secretStatus = (secret: { set: boolean; last4?: string }, what: string) =>
  secret.set ? `A ${what} is set${secret.last4 ? ` (ends in …${secret.last4})` : ''}.` : `No ${what} set.`;

/** Chatterbox's own knobs: shown when Chatterbox may speak (chosen, or automatic). */
const CHATTERBOX = new Set(['chatterbox', 'auto']);

/** Request field → the input that shows its errors (the rest are listed above the form). */
const FIELD_OF: Record<string, string> = {
  'plugins.discord.bot_token': 'discord_bot_token',
  'plugins.discord.enabled': 'discord_enabled',
  'plugins.discord': 'discord_enabled',
  plugins: 'discord_enabled',
  'plugins.n8n.webhook_url': 'n8n_plugin_webhook_url',
  'plugins.n8n.secret': 'n8n_plugin_secret',
  'plugins.n8n.enabled': 'n8n_plugin_enabled',
  'plugins.n8n': 'n8n_plugin_enabled',
};
const inputId = (field: string) => `agent-${field}`;
/** `fallback`, `fallback.1`, `fallback.1.model`: shown in the fallback editor. */
const FALLBACK_FIELD = /^fallback(\.\d+(\.(provider|model|base_url))?)?$/;

function errorsByInput(fields: FieldErrors, fallbackSteps: number): { byInput: FieldErrors; unplaced: Array<[string, string[]]> } {
  const byInput: FieldErrors = {};
  const unplaced: Array<[string, string[]]> = [];
  for (const [field, messages] of Object.entries(fields)) {
    const input = FIELD_OF[field] ?? field;
    // `fallback.3.model` only while the form has a step 3 to show it on.
    const inFallbackEditor = FALLBACK_FIELD.test(input) && (input === 'fallback' || Number(input.split('.')[1]) < fallbackSteps);
    if (input in NEW_AGENT || inFallbackEditor) byInput[input] = [...(byInput[input] ?? []), ...messages];
    else unplaced.push([field, messages]);
  }
  return { byInput, unplaced };
}

export interface AgentFormProps {
  /** The agent being edited; absent: a new one. */
  agent?: Agent;
  save(body: AgentBody): Promise<Agent>;
  /** The agent's Discord bot state (ApiClient.discordStatus). */
  loadDiscordStatus: LoadDiscordStatus;
  /** Live plugin state and control (GET /api/plugins, /api/plugins/stats, POST /api/plugins/:type/:action). */
  plugins: PluginsApi;
  onSaved(agent: Agent): void;
  onCancel(): void;
}

export function AgentForm({ agent, save, loadDiscordStatus, plugins, onSaved, onCancel }: AgentFormProps) {
  const [values, setValues] = useState<AgentFormValues>(() => (agent ? formValuesOf(agent) : NEW_AGENT));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const { byInput, unplaced } = errorsByInput(errors, values.fallback.length);
  const token = storedDiscordToken(agent);
  const n8nUrl = storedPluginSecret(agent, 'n8n', 'webhook_url');
  const n8nSecret = storedPluginSecret(agent, 'n8n', 'secret');

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

  /** A secret field: whether one is stored (never its value), and an input for a new one; empty keeps the stored one. */
  const secretInput = (
    key: TextKey,
    label: string,
    stored: { set: boolean; last4?: string },
    what: string,
    options: { hint: string; placeholder: string; type: 'url' | 'password'; disabled?: boolean },
  ) => (
    <Field id={inputId(key)} label={label} errors={byInput[key]} hint={options.hint}>
      {(aria) => (
        <>
          <p className="token-status" data-testid={`${key}-status`}>
            {secretStatus(stored, what)}
          </p>
          <input
            {...aria}
            name={key}
            type={options.type}
            autoComplete="off"
            spellCheck={false}
            placeholder={options.placeholder}
            disabled={options.disabled}
            value={values[key]}
            onChange={(event) => set(key, event.target.value)}
          />
        </>
      )}
    </Field>
  );

  const number = (key: TextKey, label: string, min: number, max: number, step: string, hint?: string) => text(key, label, { type: 'number', min, max, step, hint });

  const choice = (key: 'stt_provider' | 'tts_provider', label: string, choices: Choice[]) => {
    const known = choices.find((c) => c.value === values[key]);
    return (
      <Field id={inputId(key)} label={label} errors={byInput[key]} hint={known?.hint ?? 'Not a provider this version knows: pick one of the list.'}>
        {(aria) => (
          <select {...aria} name={key} value={values[key]} onChange={(event) => set(key, event.target.value)}>
            {!known && <option value={values[key]}>{values[key]} (unknown)</option>}
            {choices.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        )}
      </Field>
    );
  };

  return (
    <form ref={form} className="card agent-form" onSubmit={(event) => void submit(event)} noValidate aria-labelledby="agent-form-title">
      <h2 id="agent-form-title" ref={title} tabIndex={-1}>{agent ? `Edit ${agent.name}` : 'New agent'}</h2>
      {failure !== null && (
        <ErrorBanner
          error={failure}
          title={Object.keys(errors).length ? 'Please fix the marked fields' : 'Could not save the agent'}
          testId="agent-form-error"
          fieldsShownElsewhere
        />
      )}
      {unplaced.length > 0 && (
        <ul className="banner banner-error" data-testid="agent-form-other-errors">
          {unplaced.map(([field, messages]) => (
            <li key={field}>
              <code>{field}</code>: {readableFieldMessages(messages)}
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
        <Field id={inputId('llm_provider')} label="LLM provider" errors={byInput['llm_provider']} hint={PROVIDER_HINT[values.llm_provider]}>
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
        {text('llm_model', 'Model', { hint: 'e.g. anthropic/claude-3.5-sonnet (OpenRouter) or llama3.1:8b (Ollama)' })}
        {USES_BASE_URL.includes(values.llm_provider) &&
          text('llm_base_url', 'Base URL', {
            type: 'url',
            hint: values.llm_provider === 'auto' ? 'Optional: used when llm-router has no OpenRouter key, e.g. http://127.0.0.1:11434/v1' : 'Required, e.g. http://127.0.0.1:11434/v1',
          })}
        {values.llm_provider === 'n8n' && text('n8n_webhook_url', 'n8n webhook URL', { type: 'url', hint: 'Required: the http(s) URL of the workflow’s Webhook node' })}
        {number('temperature', 'Temperature', 0, 2, '0.1', '0 (focused) to 2 (inventive)')}
        <FallbackEditor
          steps={values.fallback}
          errors={byInput}
          onChange={(steps: FallbackStepValues[]) => set('fallback', steps)}
        />
      </fieldset>

      <fieldset>
        <legend>Listening</legend>
        {choice('stt_provider', 'Speech-to-text provider', STT_CHOICES)}
        {text('stt_language', 'Spoken language', { hint: 'BCP 47, e.g. en; empty: detect' })}
        {number('silence_ms', 'Pause that ends a turn (ms)', 100, 5000, '50')}
        {number('max_utterance_ms', 'Longest utterance (ms)', 5000, 300000, '1000')}
      </fieldset>

      <fieldset>
        <legend>Voice</legend>
        {choice('tts_provider', 'Text-to-speech provider', TTS_CHOICES)}
        {text('tts_voice', 'Voice', { hint: 'Voice id at the provider; empty: its default' })}
        {text('tts_language', 'Voice language', { hint: 'BCP 47, e.g. en' })}
        {number('tts_speed', 'Speaking speed', 0.5, 2, '0.05', '1 is normal')}
        {CHATTERBOX.has(values.tts_provider) && (
          <>
            {number('tts_exaggeration', 'Expressiveness', 0.25, 2, '0.05', 'Chatterbox “exaggeration”: 1 is neutral')}
            {number('tts_cfg_weight', 'Pacing', 0, 1, '0.05', 'Chatterbox “CFG weight”: lower is slower and more deliberate')}
            {number('tts_temperature', 'Voice variation', 0.05, 5, '0.05', 'Chatterbox “temperature”: higher varies more')}
          </>
        )}
        {flag('filter_actions_for_tts', 'Do not speak *stage directions*')}
      </fieldset>

      <fieldset>
        <legend>Discord</legend>
        {agent && discordEnabled(agent) ? (
          <p className="banner discord-runtime">
            <DiscordStatus agentId={agent.id} agentName={agent.name} load={loadDiscordStatus} />
          </p>
        ) : (
          <p className="banner banner-warn not-running" data-testid="discord-not-running">
            Not running: the bot starts once Discord is enabled here with a bot token and the agent is saved (discord-connector runs it).
          </p>
        )}
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

      <fieldset data-testid="n8n-plugin">
        <legend>n8n webhook plugin</legend>
        <p className="hint">
          Posts each user message and agent response of this agent’s conversations to your n8n workflow’s Webhook node, in order, with
          retries; signed (<code>X-VoxBridge-Signature</code>) when a secret is set. It only listens: this is not n8n as the LLM provider.
        </p>
        {!(agent && n8nEnabled(agent)) && (
          <p className="banner banner-warn not-running" data-testid="n8n-not-running">
            Not running: the plugin starts once it is enabled here with a webhook URL and the agent is saved (plugin-supervisor runs it).
          </p>
        )}
        {flag('n8n_plugin_enabled', 'Send each message to the n8n webhook')}
        {secretInput('n8n_plugin_webhook_url', 'Plugin webhook URL', n8nUrl, 'webhook URL', {
          hint: 'The http(s) URL of the workflow’s Webhook node (production URL). Stored encrypted; never shown again.',
          placeholder: n8nUrl.set ? 'Paste a new URL to replace it' : 'https://n8n.example.com/webhook/voxbridge',
          type: 'url',
        })}
        {secretInput('n8n_plugin_secret', 'Signing secret', n8nSecret, 'signing secret', {
          hint: 'Optional: the HMAC-SHA256 key your workflow checks the signature with. Stored encrypted; never shown again.',
          placeholder: n8nSecret.set ? 'Type a new secret to replace it' : 'A long random string',
          type: 'password',
          disabled: values.n8n_plugin_clear_secret,
        })}
        {n8nSecret.set && flag('n8n_plugin_clear_secret', 'Remove the stored signing secret')}
        {n8nUrlProblem(values, n8nUrl.set) && (
          <p className="banner banner-warn" data-testid="n8n-url-warning">
            {n8nUrlProblem(values, n8nUrl.set)}
          </p>
        )}
      </fieldset>

      {agent && Object.keys(agent.plugins).length > 0 && (
        <fieldset data-testid="agent-plugins-live">
          <legend>Plugins now</legend>
          <PluginRuntimeList
            api={plugins}
            agentId={agent.id}
            empty={<p className="muted">plugin-supervisor reports no plugin for this agent.</p>}
            renderExternal={() => 'Run by discord-connector: its state is under Discord above.'}
          />
        </fieldset>
      )}

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

export interface AriaProps {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby'?: string;
}

/** A label, the control, a hint and the server's messages for it, wired for screen readers. */
export function Field({ id, label, errors, hint, inline, children }: { id: string; label: string; errors?: string[]; hint?: string; inline?: boolean; children(aria: AriaProps): ReactNode }) {
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
          {readableFieldMessages(errors ?? [])}
        </p>
      )}
    </div>
  );
}
