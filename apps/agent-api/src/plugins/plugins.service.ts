import { Injectable } from '@nestjs/common';
import { Bus } from '@voxbridge/bus';
import { DiscordContracts, PluginContracts, PluginControlReply, PluginRuntimeReply, type PluginAction, type PluginRuntimeDto } from '@voxbridge/contracts';
import { isPlainObject } from '@voxbridge/plugin-sdk';
import { AgentsRepository } from '../agents/agents.repository';
import type { PluginListItem, PluginListReply, PluginStatsReply } from './plugins.dto';
import { PluginsError, PluginsErrorCode } from './plugins.errors';

/** Hosted by discord-connector, not by plugin-supervisor. */
const EXTERNAL = new Set(['discord']);

/**
 * `/api/plugins`: every agent's plugins (agent-api's own table) with the runtime state the
 * supervisor replicas report (each answers for the plugins it runs), and operator control.
 */
@Injectable()
export class PluginsService {
  constructor(
    private readonly bus: Bus,
    private readonly agents: AgentsRepository,
  ) {}

  async list(): Promise<PluginListReply> {
    const [agents, replies] = await Promise.all([this.agents.list(), this.gatherRuntime()]);
    const running = new Map(replies.flatMap((reply) => reply.plugins).map((p) => [`${p.agent_id}/${p.plugin_type}`, p]));
    const plugins: PluginListItem[] = [];
    for (const agent of agents) {
      for (const [type, config] of Object.entries(agent.plugins)) {
        if (!isPlainObject(config)) continue;
        const enabled = config['enabled'] === true;
        const run = running.get(`${agent.id}/${type}`);
        const base = { agent_id: agent.id, agent_name: agent.name, plugin_type: type, enabled };
        if (EXTERNAL.has(type)) plugins.push({ ...base, hosted_by: 'discord-connector', state: enabled ? 'external' : 'disabled' });
        else if (run) plugins.push({ ...base, hosted_by: 'plugin-supervisor', ...summary(run) });
        else plugins.push({ ...base, hosted_by: 'plugin-supervisor', state: enabled ? 'pending' : 'disabled' });
      }
    }
    await Promise.all(plugins.filter((p) => p.hosted_by === 'discord-connector' && p.enabled).map((p) => this.discordState(p)));
    return { plugins, supervisors: replies.length };
  }

  /** A Discord bot's state as discord-connector reports it (the replica running it answers). */
  private async discordState(item: PluginListItem): Promise<void> {
    try {
      const status = await this.bus.call(DiscordContracts.status, { agent_id: item.agent_id });
      item.state = status.bot.state === 'logged_in' ? 'running' : status.bot.state === 'starting' ? 'starting' : status.bot.state === 'failed' ? 'failed' : 'stopped';
      item.instance_id = status.instance_id;
      if (status.bot.error) item.reason = status.bot.error;
    } catch {
      // discord-connector down, busy, or the bot not placed yet: shown as `external` (see /api/plugins/discord/voice/status).
      item.state = 'external';
    }
  }

  async stats(): Promise<PluginStatsReply> {
    const replies = await this.gatherRuntime();
    return { plugins: replies.flatMap((reply) => reply.plugins), supervisors: replies.length };
  }

  async control(pluginType: string, agentId: string, action: PluginAction): Promise<PluginRuntimeDto> {
    const agent = await this.agents.findById(agentId);
    if (!agent) throw new PluginsError(PluginsErrorCode.UnknownAgent, `agent ${agentId} not found`);
    if (EXTERNAL.has(pluginType)) throw new PluginsError(PluginsErrorCode.HostedElsewhere, `${pluginType} plugins are run by discord-connector: change the agent's plugins.${pluginType}.enabled instead`);
    const config = agent.plugins[pluginType];
    if (!isPlainObject(config) || config['enabled'] !== true) throw new PluginsError(PluginsErrorCode.NotConfigured, `agent ${agentId} has no enabled ${pluginType} plugin`);
    const replies = await this.bus.gather(
      PluginContracts.control.subject,
      { agent_id: agentId, plugin_type: pluginType, action },
      PluginControlReply,
      { maxWaitMs: PluginContracts.control.timeoutMs, until: (all) => all.some((reply) => reply.held) },
    );
    const held = replies.find((reply) => reply.held && reply.plugin);
    if (held?.plugin) return held.plugin;
    if (replies.length === 0) throw new PluginsError(PluginsErrorCode.SupervisorDown, 'plugin-supervisor is not running');
    throw new PluginsError(PluginsErrorCode.NotPlaced, 'no plugin-supervisor replica runs the plugin yet; try again shortly');
  }

  private gatherRuntime(): Promise<PluginRuntimeReply[]> {
    // Every replica answers; wait the contract's time (there is no telling how many there are).
    return this.bus.gather(PluginContracts.runtime.subject, {}, PluginRuntimeReply, { maxWaitMs: Math.min(PluginContracts.runtime.timeoutMs, 500) });
  }
}

function summary(run: PluginRuntimeDto): Omit<PluginListItem, 'agent_id' | 'agent_name' | 'plugin_type' | 'enabled' | 'hosted_by'> {
  return {
    state: run.state,
    ...(run.reason ? { reason: run.reason } : {}),
    instance_id: run.instance_id,
    uptime_ms: run.uptime_ms,
    restarts: run.restarts,
    ...(run.health ? { health: run.health } : {}),
  };
}
