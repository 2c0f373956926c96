import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Bus, type BusSubscription } from '@voxbridge/bus';
import { DiscordContracts, SNOWFLAKE, queueGroup, type DiscordBotConfig, type DiscordBotsReply, type DiscordBotsRequest } from '@voxbridge/contracts';
import { isEncryptedField, isPlainObject } from '@voxbridge/plugin-sdk';
import type { AgentEntity } from './agent.entity';
import { AgentsRepository } from './agents.repository';

/** Snowflakes from a settings field: strings of 17-20 digits (as JSON numbers they have already lost digits); anything else is ignored. */
function snowflakes(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((item): item is string => typeof item === 'string' && SNOWFLAKE.test(item));
}

/**
 * An agent's bot as discord-connector needs it, or null when its discord plugin is not enabled.
 * The token leaves agent-api exactly as stored (ciphertext); a plaintext token left by an import is
 * never sent (`token_problem: not_encrypted`, fixed by `npm run secrets -- reencrypt`).
 * Allow-lists: `guild_ids`, `channel_ids` (the older `channels` is read as channel ids).
 */
export function discordBotConfigOf(agent: Pick<AgentEntity, 'id' | 'name' | 'updated_at' | 'plugins'>): DiscordBotConfig | null {
  const discord: unknown = agent.plugins['discord'];
  if (!isPlainObject(discord) || discord['enabled'] !== true) return null;
  const token = discord['bot_token'];
  const encrypted = isEncryptedField(token);
  const problem = encrypted ? undefined : token === undefined || token === null || token === '' ? 'missing' : 'not_encrypted';
  return {
    agent_id: agent.id,
    agent_name: agent.name,
    updated_at: agent.updated_at.toISOString(),
    bot_token: encrypted ? { $enc: token.$enc, kid: token.kid, iv: token.iv, ct: token.ct, tag: token.tag } : null,
    ...(problem ? { token_problem: problem } : {}),
    guild_ids: snowflakes(discord['guild_ids']),
    channel_ids: snowflakes(discord['channel_ids'] ?? discord['channels']),
    auto_join: discord['auto_join'] === true,
  };
}

/**
 * Bus edge for discord-connector: `agents.v1.discord-bot.list` (queue group `<ns>.agent-api`),
 * the agents whose discord plugin is enabled, with the bot token still encrypted — only
 * discord-connector holds the key's use for it.
 */
@Injectable()
export class DiscordBotsHandlers implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: BusSubscription | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly agents: AgentsRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.bus.serve(DiscordContracts.bots, (req) => this.bots(req), { queue: queueGroup(this.bus.namespace, 'agent-api') });
  }

  async onApplicationShutdown(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    subscription?.unsubscribe();
    await subscription?.closed;
  }

  private async bots(req: DiscordBotsRequest): Promise<DiscordBotsReply> {
    const agents = req.agent_id ? [await this.agents.findById(req.agent_id)].filter((agent) => agent !== null) : await this.agents.list();
    return { bots: agents.map(discordBotConfigOf).filter((bot) => bot !== null) };
  }
}
