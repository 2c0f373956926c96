import './system.css';
import { useEffect, useState } from 'react';
import type { ApiClient } from '../api/api-client';
import type { Agent, FleetHealthReport } from '../api/api-types';
import { useApi } from '../auth/auth';
import { committedMessages, useLiveEvents } from '../events/use-live-events';
import { useResource } from '../ui/use-resource';
import { ErrorBanner, formatDate, formatUptime, Loading, PageHeader } from '../ui/widgets';
import { mergeSamples, samplesFrom, type LatencySample } from './latency-samples';
import { LineChart } from './line-chart';

const HEALTH_REFRESH_MS = 10_000;
const RECENT_SESSIONS = 10;
const MAX_SAMPLES = 60;

/** Latencies of the turns in the most recent sessions (stored messages). */
async function recentSamples(api: ApiClient): Promise<LatencySample[]> {
  const page = await api.listSessions({ limit: RECENT_SESSIONS });
  const messages = await Promise.all(page.items.map((session) => api.listMessages(session.id, 200)));
  return mergeSamples([], samplesFrom(messages.flat()), MAX_SAMPLES);
}

export function SystemPage() {
  const api = useApi();
  const health = useResource(() => api.fleetHealth(), 'health');
  const stored = useResource(() => recentSamples(api), 'samples');
  const agents = useResource(() => api.listAgents(), 'agents');
  const [live, setLive] = useState<LatencySample[]>([]);

  useEffect(() => {
    const timer = window.setInterval(health.reload, HEALTH_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [health.reload]);

  useLiveEvents((event) => {
    const messages = committedMessages(event);
    if (messages) setLive((current) => mergeSamples(current, samplesFrom(messages), MAX_SAMPLES));
  });

  const samples = mergeSamples(stored.data ?? [], live, MAX_SAMPLES);
  return (
    <>
      <PageHeader title="System">
        <button type="button" onClick={health.reload} disabled={health.loading}>
          {health.loading ? 'Checking…' : 'Check health now'}
        </button>
      </PageHeader>
      <ErrorBanner error={health.error} title="Could not ask the fleet for its health" />
      {health.loading && !health.data && <Loading what="fleet health" />}
      {health.data && <FleetHealth report={health.data} />}
      {agents.data && <Plugins agents={agents.data} supervisor={health.data?.services.find((s) => s.name === 'plugin-supervisor')?.status} />}

      <h2>Latency of recent turns</h2>
      <p className="muted small">
        The last {MAX_SAMPLES} turns of the {RECENT_SESSIONS} most recent conversations, plus turns committed while this page is open.
      </p>
      <ErrorBanner error={stored.error} title="Could not load recent turns" />
      {stored.loading && !stored.data && <Loading what="recent turns" />}
      <div className="chart-grid">
        <LineChart title="Time to first audio" testId="chart-ttfa" series={[{ name: 'Time to first audio', className: 'series-1', values: samples.map((s) => s.totalMs) }]} />
        <LineChart title="Platform overhead" testId="chart-overhead" series={[{ name: 'Overhead', className: 'series-2', values: samples.map((s) => s.overheadMs) }]} />
        <LineChart
          title="Per stage"
          testId="chart-stages"
          series={[
            { name: 'STT', className: 'series-3', values: samples.map((s) => s.sttMs) },
            { name: 'LLM first token', className: 'series-4', values: samples.map((s) => s.llmTtftMs) },
            { name: 'TTS first byte', className: 'series-5', values: samples.map((s) => s.ttsTtfbMs) },
          ]}
        />
      </div>
    </>
  );
}

function FleetHealth({ report }: { report: FleetHealthReport }) {
  return (
    <section className="card" aria-labelledby="fleet-title">
      <h2 id="fleet-title">
        Services{' '}
        <span className={`badge status-${report.status}`} data-testid="fleet-status">
          {report.status}
        </span>
      </h2>
      <p className="muted small">
        Namespace <code>{report.namespace}</code> · checked {formatDate(report.checked_at)}
      </p>
      <div className="table-scroll">
        <table className="health-table">
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Status</th>
              <th scope="col">Version</th>
              <th scope="col">Uptime</th>
              <th scope="col">Replicas</th>
            </tr>
          </thead>
          <tbody>
            {report.services.map((service) => (
              <tr key={service.name} data-testid="service-health" data-status={service.status}>
                <th scope="row">{service.name}</th>
                <td>
                  <span className={`status-dot status-${service.status}`} aria-hidden="true" /> {service.status}
                </td>
                <td>{service.version ?? '—'}</td>
                <td>{formatUptime(service.uptime_ms)}</td>
                <td>{service.replicas}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/**
 * The plugins agents have configured, and what can be said of them: plugin-supervisor reports its
 * own health; per-plugin runtime state arrives with the plugin runtime (a later issue), so it is
 * not invented here.
 */
function Plugins({ agents, supervisor }: { agents: Agent[]; supervisor: string | undefined }) {
  const rows = agents.flatMap((agent) => Object.entries(agent.plugins).map(([name, config]) => ({ agent: agent.name, name, enabled: config.enabled })));
  return (
    <section className="card" aria-labelledby="plugins-title">
      <h2 id="plugins-title">Plugins</h2>
      <p className="banner banner-warn not-running" data-testid="plugins-not-running">
        Plugins are not running yet: this version runs no plugin (Discord included) and reports no plugin state. The list below is only what the
        agents have configured.
      </p>
      <p className="muted small">plugin-supervisor process: {supervisor ?? 'unknown'}.</p>
      {rows.length === 0 ? (
        <p className="muted">No agent has a plugin configured.</p>
      ) : (
        <ul>
          {rows.map((row) => (
            <li key={`${row.agent}/${row.name}`} data-testid="plugin-status" data-enabled={row.enabled}>
              {row.agent}: {row.name} — {row.enabled ? 'enabled in settings, not running' : 'disabled'}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
