import './system.css';
import { useEffect, useState } from 'react';
import type { ApiClient } from '../api/api-client';
import type { FleetHealthReport } from '../api/api-types';
import { DiscordStatus, type LoadDiscordStatus } from '../plugins/discord-status';
import { PluginRuntimeList, pluginsApiOf, type PluginsApi } from '../plugins/plugin-runtime';
import { useApi } from '../auth/auth';
import { committedMessages, useLiveEvents } from '../events/use-live-events';
import { useResource } from '../ui/use-resource';
import { ErrorBanner, formatDate, formatUptime, Loading, PageHeader } from '../ui/widgets';
import { mergeSamples, samplesFrom, type LatencySample } from './latency-samples';
import { LineChart } from './line-chart';
import { ProviderHealth } from './provider-health';

const HEALTH_REFRESH_MS = 10_000;
const PLUGINS_REFRESH_MS = 10_000;
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
      {health.data && <ProviderHealth providers={health.data.providers ?? []} fake={health.data.fake_providers === true} />}
      <Plugins
        api={pluginsApiOf(api)}
        loadDiscordStatus={(agentId) => api.discordStatus(agentId)}
        supervisor={health.data?.services.find((s) => s.name === 'plugin-supervisor')?.status}
      />

      <h2>Latency of recent turns</h2>
      <p className="muted small">
        The last {MAX_SAMPLES} turns of the {RECENT_SESSIONS} most recent conversations, plus turns committed while this page is open.
      </p>
      <ErrorBanner error={stored.error} title="Could not load recent turns" />
      {stored.loading && !stored.data && <Loading what="recent turns" />}
      <div className="chart-grid">
        <LineChart
          title="Time to first audio"
          testId="chart-ttfa"
          description="From your last word to the first audio back. It includes the end-of-turn silence (each agent’s pause setting, e.g. 600 ms), the providers and VoxBridge’s overhead."
          series={[{ name: 'Time to first audio', className: 'series-1', values: samples.map((s) => s.totalMs) }]}
        />
        <LineChart
          title="Platform overhead"
          testId="chart-overhead"
          description="The time VoxBridge itself added: hops between services, queues, framing. Never negative: an older turn whose stored figure was negative is left out."
          series={[{ name: 'Overhead', className: 'series-2', values: samples.map((s) => s.overheadMs) }]}
        />
        <LineChart
          title="Per stage"
          testId="chart-stages"
          description="The parts of the time to first audio: the end-of-turn silence, then each provider’s wait. With the overhead above and the LLM writing its first sentence, they add up to it."
          series={[
            { name: 'End-of-turn silence', className: 'series-6', values: samples.map((s) => s.silenceMs) },
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
      {report.status === 'degraded' && report.services.every((s) => s.status === 'healthy') && (
        <p className="small" data-testid="fleet-degraded-by-providers">
          Every service is healthy, but a pipeline provider does not answer: see Providers below.
        </p>
      )}
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
 * Every agent's plugins with their live state (`GET /api/plugins`, every 10 s) and per-process
 * figures (`GET /api/plugins/stats`), with start / stop / restart. Discord bots are run by
 * discord-connector: their line says what it reports (`GET /api/plugins/discord/voice/status/:agent_id`).
 */
export function Plugins({ api, supervisor, loadDiscordStatus }: { api: PluginsApi; supervisor: string | undefined; loadDiscordStatus: LoadDiscordStatus }) {
  return (
    <section className="card" aria-labelledby="plugins-title">
      <h2 id="plugins-title">Plugins</h2>
      <p className="muted small">
        Each n8n, webhook or third-party plugin runs in a child process of plugin-supervisor; CPU and memory are measured for that process.
        Three samples in a row over a limit stop it. plugin-supervisor: {supervisor ?? 'unknown'}.
      </p>
      <PluginRuntimeList
        api={api}
        refreshMs={PLUGINS_REFRESH_MS}
        renderExternal={(item) => <DiscordStatus agentId={item.agent_id} agentName={item.agent_name} load={loadDiscordStatus} />}
      />
    </section>
  );
}
