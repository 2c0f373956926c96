import type { FallbackStep } from '../api/api-types';
import { readableFieldMessages } from '../ui/field-errors';
import { FALLBACK_PROVIDERS, type FallbackStepValues } from './agent-form-model';

/** The API takes at most this many steps. */
export const MAX_FALLBACK_STEPS = 5;

const STEP_PROVIDER_LABEL: Record<FallbackStep['provider'], string> = {
  openrouter: 'OpenRouter',
  openai_compatible: 'OpenAI-compatible server',
};

function moved<T>(items: T[], from: number, to: number): T[] {
  const next = [...items];
  const [item] = next.splice(from, 1);
  if (item !== undefined) next.splice(to, 0, item);
  return next;
}

/**
 * The fallback chain: providers tried in order when the main one fails. Each step is a provider,
 * a model and, for an OpenAI-compatible server, its base URL. Errors arrive as `fallback.1.model`.
 */
export function FallbackEditor({ steps, errors, onChange }: { steps: FallbackStepValues[]; errors: Record<string, string[]>; onChange(steps: FallbackStepValues[]): void }) {
  const update = (index: number, change: Partial<FallbackStepValues>) => onChange(steps.map((step, i) => (i === index ? { ...step, ...change } : step)));
  const listErrors = errors['fallback'];
  return (
    <div className="fallback-editor" role="group" aria-labelledby="fallback-title" data-testid="fallback-editor">
      <h3 id="fallback-title">Fallback chain</h3>
      <p className="hint">Tried in order when the provider above fails or misses its deadline. Empty: the turn ends with a short apology.</p>
      {listErrors && <p className="field-error">{readableFieldMessages(listErrors)}</p>}
      {steps.length > 0 && (
        <ol className="fallback-steps">
          {steps.map((step, index) => {
            const n = index + 1;
            const id = (field: string) => `agent-fallback-${index}-${field}`;
            const fieldErrors = (field: string) => errors[`fallback.${index}.${field}`];
            const stepErrors = errors[`fallback.${index}`];
            const input = (field: 'model' | 'base_url', label: string, type: string, placeholder: string) => {
              const problems = fieldErrors(field);
              return (
                <div className={`field ${problems ? 'field-invalid' : ''}`}>
                  <label htmlFor={id(field)}>{label}</label>
                  <input
                    id={id(field)}
                    type={type}
                    placeholder={placeholder}
                    value={step[field]}
                    aria-invalid={Boolean(problems)}
                    aria-describedby={problems ? `${id(field)}-error` : undefined}
                    onChange={(event) => update(index, { [field]: event.target.value })}
                  />
                  {problems && (
                    <p id={`${id(field)}-error`} className="field-error">
                      {readableFieldMessages(problems)}
                    </p>
                  )}
                </div>
              );
            };
            return (
              <li key={index} className="fallback-step" data-testid="fallback-step" aria-label={`Fallback step ${n}`}>
                <div className="field">
                  <label htmlFor={id('provider')}>Step {n} provider</label>
                  <select
                    id={id('provider')}
                    value={step.provider}
                    aria-invalid={Boolean(fieldErrors('provider'))}
                    onChange={(event) => update(index, { provider: event.target.value as FallbackStep['provider'] })}
                  >
                    {FALLBACK_PROVIDERS.map((provider) => (
                      <option key={provider} value={provider}>
                        {STEP_PROVIDER_LABEL[provider]}
                      </option>
                    ))}
                  </select>
                  {fieldErrors('provider') && <p className="field-error">{readableFieldMessages(fieldErrors('provider') ?? [])}</p>}
                </div>
                {input('model', `Step ${n} model`, 'text', step.provider === 'openrouter' ? 'e.g. openai/gpt-4o-mini' : 'e.g. llama3.1:8b')}
                {step.provider === 'openai_compatible' && input('base_url', `Step ${n} base URL`, 'url', 'http://127.0.0.1:11434/v1')}
                {stepErrors && <p className="field-error">{readableFieldMessages(stepErrors)}</p>}
                <div className="fallback-step-actions">
                  <button type="button" disabled={index === 0} onClick={() => onChange(moved(steps, index, index - 1))} aria-label={`Move step ${n} up`}>
                    ↑ Up
                  </button>
                  <button type="button" disabled={index === steps.length - 1} onClick={() => onChange(moved(steps, index, index + 1))} aria-label={`Move step ${n} down`}>
                    ↓ Down
                  </button>
                  <button type="button" className="danger" onClick={() => onChange(steps.filter((_, i) => i !== index))} aria-label={`Remove step ${n}`}>
                    Remove
                  </button>
                </div>
              </li>
            );
          })}
        </ol>
      )}
      <button
        type="button"
        disabled={steps.length >= MAX_FALLBACK_STEPS}
        onClick={() => onChange([...steps, { provider: 'openai_compatible', model: '', base_url: '' }])}
      >
        Add a fallback step
      </button>
      {steps.length >= MAX_FALLBACK_STEPS && <p className="hint">At most {MAX_FALLBACK_STEPS} steps.</p>}
    </div>
  );
}
