import { useEffect, useState, type ReactNode } from 'react';
import { ApiError, type ApiClient } from '../api/api-client';
import type { PluginAction, PluginListItem, PluginListReply, PluginRuntimeDto, PluginStatsReply } from '../api/api-types';
import { useResource } from '../ui/use-resource';
import { ErrorBanner, formatUptime, Loading } from '../ui/widgets';

/** What the page needs of agent-api for plugins (ApiClient.listPlugins / pluginStats / controlPlugin). */
export interface PluginsApi {
  list(): Promise<PluginListReply>;
  stats(): Promise<PluginStatsReply>;
  control(type: string, agentId: string, action: PluginAction): Promise<PluginRuntimeDto>;
}

/** ApiClient's plugin calls, as PluginRuntimeList takes them. */
export function pluginsApiOf(api: ApiClient): PluginsApi {
  return {
    list: () => api.listPlugins(),
    stats: () => api.pluginStats(),
    control: (type, agentId, action) => api.controlPlugin(type, agentId, action),
  };
}

/** What the page says of a plugin: the API's state, with backoff shown as "restarting". */
export type PluginDisplayState = 'running' | 'starting' | 'restarting' | 'stopped' | 'failed' | 'limit_exceeded' | 'disabled' | 'pending' | 'external';

export interface PluginSummary {
  state: PluginDisplayState;
  text: string;
}

const withReason = (text: string, reason: string | undefined) => (reason ? `${text}: ${reason}` : `${text}.`);

/** One plugin's state in a sentence, from `GET /api/plugins` (and the reason or last error the stats carry). */
export function summarizePlugin(item: PluginListItem, stats?: PluginRuntimeDto): PluginSummary {
  const reason = item.reason ?? stats?.reason ?? stats?.last_error;
  switch (item.state) {
    case 'running': {
      const health = item.health ?? stats?.health;
      if (health && health.state !== 'ok') return { state: 'running', text: withReason(`Running, ${health.state}`, health.detail) };
      return { state: 'running', text: 'Running.' };
    }
    case 'starting':
      return { state: 'starting', text: 'Starting.' };
    case 'backoff':
      return { state: 'restarting', text: withReason('Restarting after a crash (waiting before the next try)', reason) };
    case 'stopped':
      return { state: 'stopped', text: withReason('Stopped', reason) };
    case 'failed':
      return { state: 'failed', text: withReason('Failed', reason) };
    case 'limit_exceeded':
      return { state: 'limit_exceeded', text: withReason('Stopped over its limits', reason) };
    case 'disabled':
      return { state: 'disabled', text: 'Disabled in the agent’s settings.' };
    case 'pending':
      return { state: 'pending', text: 'Not running: enabled, but no plugin-supervisor replica runs it yet.' };
    case 'external':
      return { state: 'external', text: 'Run by discord-connector.' };
  }
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

export function formatPercent(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '—' : `${value.toFixed(1)} %`;
}

const ACTION_LABEL: Record<PluginAction, string> = { start: 'Start', stop: 'Stop', restart: 'Restart' };
const ACTIVE: ReadonlySet<PluginDisplayState> = new Set(['running', 'starting', 'restarting']);

/** Which actions make sense now: none for disabled or discord plugins (discord-connector runs those). */
export function actionsFor(item: PluginListItem, state: PluginDisplayState): Array<{ action: PluginAction; enabled: boolean }> {
  if (!item.enabled || item.hosted_by !== 'plugin-supervisor' || state === 'disabled' || state === 'external') return [];
  const active = ACTIVE.has(state);
  return [
    { action: 'start', enabled: !active },
    { action: 'stop', enabled: active },
    { action: 'restart', enabled: true },
  ];
}

const keyOf = (agentId: string, type: string) => `${agentId}/${type}`;

async function loadBoth(api: PluginsApi): Promise<{ list: PluginListReply; stats: Map<string, PluginRuntimeDto>; statsError: unknown }> {
  let statsError: unknown = null;
  const [list, figures] = await Promise.all([
    api.list(),
    api.stats().catch((error: unknown) => {
      statsError = error;
      return null;
    }),
  ]);
  // A plugin moving between replicas may be reported twice for a moment: the replica the list names wins.
  const holder = new Map(list.plugins.map((item) => [keyOf(item.agent_id, item.plugin_type), item.instance_id]));
  const stats = new Map<string, PluginRuntimeDto>();
  for (const runtime of figures?.plugins ?? []) {
    const key = keyOf(runtime.agent_id, runtime.plugin_type);
    if (!stats.has(key) || runtime.instance_id === holder.get(key)) stats.set(key, runtime);
  }
  return { list, stats, statsError };
}

export interface PluginRuntimeListProps {
  api: PluginsApi;
  /** Only this agent's plugins (its settings); absent: every agent's (System page). */
  agentId?: string;
  /** Ask again this often (ms); 0: only on load and after an action. */
  refreshMs?: number;
  /** What to show in place of the state of a plugin discord-connector runs. */
  renderExternal?(item: PluginListItem): ReactNode;
  /** Shown when there is no plugin to list. */
  empty?: ReactNode;
}

/**
 * Plugins with their live state (`GET /api/plugins`) and per-process figures (`GET /api/plugins/stats`):
 * CPU and memory now, peak and limit; violations; restarts; uptime; start / stop / restart buttons
 * named per plugin and agent. Only what the API reports: nothing is assumed fine.
 */
export function PluginRuntimeList({ api, agentId, refreshMs = 0, renderExternal, empty }: PluginRuntimeListProps) {
  const data = useResource(() => loadBoth(api), `plugins|${agentId ?? '*'}`);
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<{ title: string; error: unknown } | null>(null);

  useEffect(() => {
    if (!refreshMs) return;
    const timer = window.setInterval(data.reload, refreshMs);
    return () => window.clearInterval(timer);
  }, [refreshMs, data.reload]);

  async function act(item: PluginListItem, action: PluginAction) {
    const key = keyOf(item.agent_id, item.plugin_type);
    setBusy(key);
    setActionError(null);
    try {
      await api.control(item.plugin_type, item.agent_id, action);
    } catch (error) {
      setActionError({ title: `Could not ${action} ${item.plugin_type} for ${item.agent_name}`, error });
    } finally {
      setBusy(null);
      data.reload();
    }
  }

  if (data.loading && !data.data && !data.error) return <Loading what="plugin state" />;
  const items = (data.data?.list.plugins ?? []).filter((item) => agentId === undefined || item.agent_id === agentId);
  return (
    <div className="plugin-runtime" data-testid="plugin-runtime">
      <ErrorBanner error={data.error} title={unreachableTitle(data.error)} />
      <ErrorBanner error={data.data?.statsError} title="Could not load the plugins’ CPU and memory figures" />
      {actionError && <ErrorBanner error={actionError.error} title={actionError.title} onDismiss={() => setActionError(null)} testId="plugin-action-error" />}
      {data.data && data.data.list.supervisors === 0 && (
        <p className="banner banner-warn" data-testid="no-supervisor">
          No plugin-supervisor replica answered: no n8n, webhook or third-party plugin runs now.
        </p>
      )}
      {data.data && items.length === 0 && (empty ?? <p className="muted">No agent has a plugin configured.</p>)}
      {items.length > 0 && (
        <div className="table-scroll">
          <table className="plugin-table">
            <thead>
              <tr>
                {agentId === undefined && <th scope="col">Agent</th>}
                <th scope="col">Plugin</th>
                <th scope="col">State</th>
                <th scope="col">CPU now / peak / limit</th>
                <th scope="col">Memory now / peak / limit</th>
                <th scope="col">Violations</th>
                <th scope="col">Restarts</th>
                <th scope="col">Uptime</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => {
                const key = keyOf(item.agent_id, item.plugin_type);
                const stats = data.data?.stats.get(key);
                const summary = summarizePlugin(item, stats);
                const running = ACTIVE.has(summary.state);
                return (
                  <tr key={key} data-testid="plugin-status" data-state={summary.state} data-plugin={item.plugin_type} data-enabled={item.enabled}>
                    {agentId === undefined && <th scope="row">{item.agent_name}</th>}
                    <td>{item.plugin_type}</td>
                    <td className={`plugin-state plugin-${summary.state}`}>{summary.state === 'external' && renderExternal ? renderExternal(item) : summary.text}</td>
                    <td>{stats ? `${running ? formatPercent(stats.cpu_percent) : '—'} / ${formatPercent(stats.peak_cpu_percent)} / ${formatPercent(stats.limits.cpu_percent)}` : '—'}</td>
                    <td>{stats ? `${running ? formatBytes(stats.rss_bytes) : '—'} / ${formatBytes(stats.peak_rss_bytes)} / ${formatBytes(stats.limits.rss_bytes)}` : '—'}</td>
                    <td>{stats ? `${stats.violations}${stats.consecutive_violations ? ` (${stats.consecutive_violations} in a row)` : ''}` : '—'}</td>
                    <td>{stats?.restarts ?? item.restarts ?? '—'}</td>
                    <td>{running ? formatUptime(stats?.uptime_ms ?? item.uptime_ms ?? null) : '—'}</td>
                    <td className="plugin-actions">
                      {actionsFor(item, summary.state).map(({ action, enabled }) => (
                        <button
                          key={action}
                          type="button"
                          className="small"
                          disabled={!enabled || busy === key}
                          onClick={() => void act(item, action)}
                          aria-label={`${ACTION_LABEL[action]} ${item.plugin_type} for ${item.agent_name}`}
                        >
                          {ACTION_LABEL[action]}
                        </button>
                      ))}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <button type="button" className="ghost small" onClick={data.reload} disabled={data.loading}>
        {data.loading ? 'Checking…' : 'Check plugins again'}
      </button>
    </div>
  );
}

function unreachableTitle(error: unknown): string {
  if (error instanceof ApiError && error.status === 503) return 'plugin-supervisor is not running: no plugin state to show';
  return 'Could not load the plugins’ state';
}
