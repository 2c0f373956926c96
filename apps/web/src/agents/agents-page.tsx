import './agents.css';
import { useState } from 'react';
import type { Agent } from '../api/api-types';
import { useApi } from '../auth/auth';
import { useLiveEvents } from '../events/use-live-events';
import { DiscordStatus } from '../plugins/discord-status';
import { pluginsApiOf, summarizePlugin } from '../plugins/plugin-runtime';
import { links } from '../router';
import { useResource } from '../ui/use-resource';
import { ConfirmButton, ErrorBanner, Loading, PageHeader } from '../ui/widgets';
import { AgentForm } from './agent-form';

type Editing = { mode: 'closed' } | { mode: 'new' } | { mode: 'edit'; agent: Agent };

const PROVIDER_BADGE: Record<Agent['llm_provider'], string> = {
  auto: 'LLM: automatic',
  openrouter: 'OpenRouter',
  openai_compatible: 'OpenAI-compatible',
  n8n: 'n8n',
};

/**
 * What model the agent asks for, without claiming more than the agent says: with `auto`, llm-router
 * decides at each turn (its model only applies to OpenRouter or the agent's base URL).
 */
export function modelSummary(agent: Agent): string {
  if (agent.llm_provider !== 'auto') return agent.llm_model;
  const where = agent.llm_base_url ? `OpenRouter or ${agent.llm_base_url}` : 'OpenRouter';
  return `${agent.llm_model} if llm-router uses ${where}; otherwise Ollama's OLLAMA_MODEL`;
}

export function AgentsPage() {
  const api = useApi();
  const agents = useResource(() => api.listAgents(), 'agents');
  const loadDiscordStatus = (agentId: string) => api.discordStatus(agentId);
  const plugins = pluginsApiOf(api);
  // Generic plugins' state (n8n, webhooks…) for the cards; failing to get it leaves the cards without it.
  const pluginList = useResource(() => api.listPlugins().catch(() => ({ plugins: [], supervisors: 0 })), 'plugin-list');
  const [editing, setEditing] = useState<Editing>({ mode: 'closed' });
  const [actionError, setActionError] = useState<unknown>(null);
  const [busyId, setBusyId] = useState<string | null>(null);

  // Another tab, another user or the API changed the agents: show it.
  useLiveEvents((event) => {
    if (event.event === 'agent_created' || event.event === 'agent_updated' || event.event === 'agent_deleted') {
      agents.reload();
      pluginList.reload();
    }
  });

  async function act(agentId: string, action: () => Promise<unknown>) {
    setBusyId(agentId);
    setActionError(null);
    try {
      await action();
      agents.reload();
      pluginList.reload();
    } catch (error) {
      setActionError(error);
    } finally {
      setBusyId(null);
    }
  }

  const closeForm = () => setEditing({ mode: 'closed' });
  const saved = () => {
    closeForm();
    agents.reload();
    pluginList.reload();
  };

  return (
    <>
      <PageHeader title="Agents">
        {editing.mode === 'closed' && (
          <button type="button" className="primary" onClick={() => setEditing({ mode: 'new' })}>
            New agent
          </button>
        )}
      </PageHeader>
      <ErrorBanner error={agents.error} title="Could not load the agents" />
      <ErrorBanner error={actionError} title="That did not work" onDismiss={() => setActionError(null)} />

      {editing.mode === 'new' && <AgentForm save={(body) => api.createAgent(body)} loadDiscordStatus={loadDiscordStatus} plugins={plugins} onSaved={saved} onCancel={closeForm} />}
      {editing.mode === 'edit' && (
        <AgentForm key={editing.agent.id} agent={editing.agent} loadDiscordStatus={loadDiscordStatus} plugins={plugins} save={(body) => api.updateAgent(editing.agent.id, body)} onSaved={saved} onCancel={closeForm} />
      )}

      {agents.loading && !agents.data && <Loading what="agents" />}
      {agents.data?.length === 0 && <p className="muted">No agents yet: create one to start talking.</p>}
      <ul className="card-grid" aria-label="Agents">
        {agents.data?.map((agent) => {
          const generic = (pluginList.data?.plugins ?? []).filter((item) => item.agent_id === agent.id && item.hosted_by === 'plugin-supervisor' && item.enabled);
          return (
            <li key={agent.id} className="card agent-card" data-testid="agent-card">
              <div className="agent-card-head">
                <h2>
                  {agent.is_default && (
                    <span className="star" role="img" title="Default agent" aria-label="Default agent">
                      ★
                    </span>
                  )}{' '}
                  {agent.name}
                </h2>
                <span className={`badge provider-${agent.llm_provider}`}>{PROVIDER_BADGE[agent.llm_provider]}</span>
              </div>
              {agent.description && <p>{agent.description}</p>}
              <dl className="facts">
                <dt>Model</dt>
                <dd>{modelSummary(agent)}</dd>
                <dt>Speech</dt>
                <dd>
                  {agent.stt_provider} → {agent.tts_provider}
                  {agent.tts_voice ? ` (${agent.tts_voice})` : ''}
                </dd>
                {(agent.plugins['discord']?.enabled || generic.length > 0) && (
                  <>
                    <dt>Plugins</dt>
                    <dd data-testid="agent-plugins">
                      {agent.plugins['discord']?.enabled && <DiscordStatus agentId={agent.id} agentName={agent.name} load={loadDiscordStatus} compact />}
                      {generic.map((item) => {
                        const summary = summarizePlugin(item);
                        return (
                          <span key={item.plugin_type} className={`plugin-line plugin-${summary.state}`} data-testid="agent-plugin-state" data-state={summary.state}>
                            {item.plugin_type} — {summary.text}
                          </span>
                        );
                      })}
                    </dd>
                  </>
                )}
              </dl>
              <div className="card-actions">
                <a className="button" href={links.talk(agent.id)} aria-label={`Talk to ${agent.name}`}>
                  Talk
                </a>
                <button type="button" onClick={() => setEditing({ mode: 'edit', agent })} aria-label={`Edit ${agent.name}`}>
                  Edit
                </button>
                {!agent.is_default && (
                  <button
                    type="button"
                    disabled={busyId === agent.id}
                    onClick={() => void act(agent.id, () => api.setDefaultAgent(agent.id))}
                    aria-label={`Make ${agent.name} the default`}
                  >
                    Make default
                  </button>
                )}
                <ConfirmButton
                  label="Delete"
                  ariaLabel={`Delete ${agent.name}`}
                  question={`Delete ${agent.name} and its conversations?`}
                  disabled={busyId === agent.id}
                  onConfirm={() => void act(agent.id, () => api.deleteAgent(agent.id))}
                />
              </div>
            </li>
          );
        })}
      </ul>
    </>
  );
}
