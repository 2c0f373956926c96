import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Bus, type BusSubscription } from '@voxbridge/bus';
import { PLUGIN_TYPE, PluginContracts, queueGroup, type PluginConfigEntry, type PluginConfigsReply, type PluginConfigsRequest } from '@voxbridge/contracts';
import { isEncryptedField, isPlainObject, isPluginType, secretFieldsOf } from '@voxbridge/plugin-sdk';
import type { AgentEntity } from './agent.entity';
import { AgentsRepository } from './agents.repository';

/** Plugin types hosted elsewhere (discord-connector runs the bots). */
const HOSTED_ELSEWHERE = new Set(['discord']);

/**
 * An agent's enabled generic plugins as plugin-supervisor needs them: non-secret settings as
 * stored, secret fields as ciphertext exactly as stored. A plaintext secret left by an import is
 * never sent (named in `unencrypted_secrets`).
 */
export function pluginConfigsOf(agent: Pick<AgentEntity, 'id' | 'name' | 'updated_at' | 'plugins'>): PluginConfigEntry[] {
  const entries: PluginConfigEntry[] = [];
  for (const [type, config] of Object.entries(agent.plugins)) {
    if (HOSTED_ELSEWHERE.has(type) || !PLUGIN_TYPE.test(type) || !isPlainObject(config) || config['enabled'] !== true) continue;
    const secretNames: readonly string[] = isPluginType(type) ? secretFieldsOf(type) : [];
    const settings: Record<string, unknown> = {};
    const secrets: Record<string, unknown> = {};
    const unencrypted: string[] = [];
    for (const [field, value] of Object.entries(config)) {
      if (!secretNames.includes(field)) settings[field] = value;
      else if (isEncryptedField(value)) secrets[field] = { $enc: value.$enc, kid: value.kid, iv: value.iv, ct: value.ct, tag: value.tag };
      else if (value !== undefined && value !== null && value !== '') unencrypted.push(field);
    }
    entries.push({
      agent_id: agent.id,
      agent_name: agent.name,
      plugin_type: type,
      updated_at: agent.updated_at.toISOString(),
      settings,
      secrets,
      ...(unencrypted.length > 0 ? { unencrypted_secrets: unencrypted } : {}),
    });
  }
  return entries;
}

/**
 * Bus edge for plugin-supervisor: `agents.v1.plugin-config.list` (queue group `<ns>.agent-api`),
 * the agents' enabled generic plugins with secrets still encrypted — only the supervisor decrypts.
 */
@Injectable()
export class PluginConfigsHandlers implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: BusSubscription | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly agents: AgentsRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.bus.serve(PluginContracts.configs, (req) => this.configs(req), { queue: queueGroup(this.bus.namespace, 'agent-api') });
  }

  async onApplicationShutdown(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    subscription?.unsubscribe();
    await subscription?.closed;
  }

  private async configs(req: PluginConfigsRequest): Promise<PluginConfigsReply> {
    const agents = req.agent_id ? [await this.agents.findById(req.agent_id)].filter((agent) => agent !== null) : await this.agents.list();
    return { plugins: agents.flatMap(pluginConfigsOf) };
  }
}
