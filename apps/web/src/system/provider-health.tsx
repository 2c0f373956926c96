import type { ProviderState } from '../api/api-types';
import { formatDate } from '../ui/widgets';

const STAGE_NAMES: Record<ProviderState['stage'], string> = { stt: 'Speech to text', llm: 'Language model', tts: 'Text to speech' };

function reachability(provider: ProviderState): { text: string; status: 'healthy' | 'degraded' | 'unreachable' } {
  if (provider.reachable === true) return { text: 'answers', status: 'healthy' };
  if (provider.reachable === false) return { text: `not reachable${provider.detail ? ` (${provider.detail})` : ''}`, status: 'unreachable' };
  return { text: 'not checked yet', status: 'degraded' };
}

/**
 * What each pipeline stage's `auto` provider is right now on the workers and whether it answers
 * (their cached checks, from `GET /api/fleet/health`), with a banner when the launcher's fake
 * providers stand in for the real ones.
 */
export function ProviderHealth({ providers, fake }: { providers: readonly ProviderState[]; fake: boolean }) {
  return (
    <section className="card" aria-labelledby="providers-title">
      <h2 id="providers-title">Providers</h2>
      {fake && (
        <div className="banner banner-warn" role="status" data-testid="fake-providers">
          <div>
            <strong>Fake providers are on.</strong>
            <p>The fleet was started with --fake-providers: speech, replies and voices come from scripted local fakes, not real providers.</p>
          </div>
        </div>
      )}
      <p className="muted small">
        What <code>auto</code> stands for on each worker with its configuration, and whether it answered the last check (checks are repeated at most
        every 30 s).
      </p>
      {providers.length === 0 ? (
        <p data-testid="providers-empty">No pipeline worker described its providers (they are not running, or run an older version).</p>
      ) : (
        <div className="table-scroll">
          <table className="health-table">
            <thead>
              <tr>
                <th scope="col">Stage</th>
                <th scope="col">auto is</th>
                <th scope="col">Target</th>
                <th scope="col">Reachable</th>
                <th scope="col">Checked</th>
              </tr>
            </thead>
            <tbody>
              {providers.map((provider) => {
                const state = reachability(provider);
                return (
                  <tr key={`${provider.stage}-${provider.resolved}-${provider.target}`} data-testid="provider-health" data-stage={provider.stage} data-reachable={String(provider.reachable)}>
                    <th scope="row">{STAGE_NAMES[provider.stage] ?? provider.stage}</th>
                    <td>
                      {provider.resolved}
                      {provider.fake ? ' (fake)' : ''}
                    </td>
                    <td>
                      <code>{provider.target}</code>
                      {provider.target === 'local' && provider.detail && provider.reachable !== false ? ` · ${provider.detail}` : ''}
                    </td>
                    <td>
                      <span className={`status-dot status-${state.status}`} aria-hidden="true" /> {state.text}
                    </td>
                    <td>{provider.checked_at ? formatDate(provider.checked_at) : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
