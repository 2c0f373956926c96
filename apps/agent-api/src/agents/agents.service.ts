import { Injectable } from '@nestjs/common';
import { PluginSecretsError, PluginSecretsErrorCode, pluginsProblems, type PluginsConfig } from '@voxbridge/plugin-sdk';
import { randomUUID } from 'node:crypto';
import type { AgentEntity } from './agent.entity';
import { AGENT_DEFAULTS, crossFieldProblems, type AgentFields, type AgentPatch, type AgentView, type NewAgent } from './agent.model';
import { AgentEventsPublisher } from './agent-events.publisher';
import { AgentsError, AgentsErrorCode } from './agents.errors';
import { AgentsRepository, type AgentsTx } from './agents.repository';
import { SEED_AGENTS } from './agents.seed';
import { PluginSecretsService } from './secrets/plugin-secrets.service';

function invalid(fields: Record<string, string[]>): AgentsError {
  return new AgentsError(AgentsErrorCode.Invalid, `invalid ${Object.keys(fields).length === 1 ? 'field' : 'fields'}: ${Object.keys(fields).join(', ')}`, fields);
}

/** Only the keys a client actually sent (undefined means "not sent"). */
function sent<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** Agents: validation across fields, the single default, plugin secrets, events after commit. */
@Injectable()
export class AgentsService {
  constructor(
    private readonly repository: AgentsRepository,
    private readonly secrets: PluginSecretsService,
    private readonly events: AgentEventsPublisher,
  ) {}

  async list(): Promise<AgentView[]> {
    return (await this.repository.list()).map((agent) => this.view(agent));
  }

  async get(id: string): Promise<AgentView> {
    return this.view(await this.found(id));
  }

  async create(input: NewAgent): Promise<AgentView> {
    const id = randomUUID();
    const fields: AgentFields = { ...AGENT_DEFAULTS, ...sent(input) } as AgentFields;
    this.check(fields, { sent: fields.plugins });
    fields.plugins = this.seal(id, fields.plugins, {});
    const { agent, unset } = await this.repository.inTransaction(async (tx) => {
      const unset = fields.is_default ? await this.takeDefault(tx, id) : [];
      return { agent: await tx.insert(id, fields), unset };
    });
    const view = this.view(agent);
    await this.events.created(view);
    await this.announceUpdated(unset);
    return view;
  }

  async update(id: string, input: AgentPatch): Promise<AgentView> {
    const patch = sent(input);
    const { agent, unset } = await this.repository.inTransaction(async (tx) => {
      if (patch.is_default === true) await tx.lockDefaultAgent();
      const current = await tx.lockById(id);
      if (!current) throw this.notFound(id);
      const { plugins, ...rest } = patch;
      const next = { ...current, ...rest } as AgentEntity;
      this.check(next, plugins === undefined ? undefined : { sent: plugins });
      if (plugins !== undefined) next.plugins = this.seal(id, plugins, current.plugins);
      const unset = patch.is_default === true ? await tx.clearDefaultExcept(id) : [];
      return { agent: await tx.save(next), unset };
    });
    const view = this.view(agent);
    await this.events.updated(view);
    await this.announceUpdated(unset);
    return view;
  }

  async setDefault(id: string): Promise<AgentView> {
    return this.update(id, { is_default: true });
  }

  /** Deletes the agent; when it was the default, the oldest remaining agent becomes the default (there is always one while any agent exists). */
  async delete(id: string): Promise<void> {
    const promoted = await this.repository.inTransaction(async (tx) => {
      await tx.lockDefaultAgent();
      const removed = await tx.remove(id);
      if (!removed) throw this.notFound(id);
      return removed.wasDefault ? tx.promoteOldestToDefault() : undefined;
    });
    await this.events.deleted(id);
    if (promoted) await this.announceUpdated([promoted]);
  }

  /** Plugin configs with secrets in plaintext (for running plugins; never returned over HTTP). */
  async revealPlugins(id: string): Promise<PluginsConfig> {
    return this.secrets.reveal(id, (await this.found(id)).plugins);
  }

  /** The example agents, once per database (see AgentsSeeder). */
  async seedOnce(): Promise<AgentView[]> {
    const inserted = await this.repository.seedOnce(SEED_AGENTS.map(({ id, ...fields }) => ({ id, fields: { ...AGENT_DEFAULTS, ...fields } })));
    const views = inserted.map((agent) => this.view(agent));
    for (const view of views) await this.events.created(view);
    return views;
  }

  private async takeDefault(tx: AgentsTx, id: string): Promise<string[]> {
    await tx.lockDefaultAgent();
    return tx.clearDefaultExcept(id);
  }

  /** The agents that lost the default flag changed too. */
  private async announceUpdated(ids: string[]): Promise<void> {
    for (const id of ids) {
      const agent = await this.repository.findById(id);
      if (agent) await this.events.updated(this.view(agent));
    }
  }

  /** `incomingPlugins`: the client's `plugins` if it sent any (stored ones hold ciphertext, checked when sent). */
  private check(fields: AgentFields, incomingPlugins: { sent: unknown } | undefined): void {
    const problems = { ...crossFieldProblems(fields), ...(incomingPlugins ? pluginsProblems(incomingPlugins.sent) : {}) };
    if (Object.keys(problems).length > 0) throw invalid(problems);
  }

  private seal(id: string, incoming: PluginsConfig, stored: PluginsConfig): PluginsConfig {
    try {
      return this.secrets.seal(id, incoming, stored);
    } catch (error) {
      if (!(error instanceof PluginSecretsError)) throw error;
      const fields = error.field ? { [error.field]: [error.message] } : undefined;
      if (error.code === PluginSecretsErrorCode.EncryptionKeyMissing) {
        throw new AgentsError(AgentsErrorCode.EncryptionKeyMissing, 'VOXBRIDGE_ENCRYPTION_KEY is not configured: plugin secrets cannot be stored', fields);
      }
      throw invalid(fields ?? { plugins: [error.message] });
    }
  }

  private async found(id: string): Promise<AgentEntity> {
    const agent = await this.repository.findById(id);
    if (!agent) throw this.notFound(id);
    return agent;
  }

  private notFound(id: string): AgentsError {
    return new AgentsError(AgentsErrorCode.NotFound, `agent ${id} not found`);
  }

  private view(agent: AgentEntity): AgentView {
    return {
      ...agent,
      plugins: this.secrets.mask(agent.id, agent.plugins),
      created_at: agent.created_at.toISOString(),
      updated_at: agent.updated_at.toISOString(),
    };
  }
}
