import type { DiscordBotConfig, DiscordBotState, DiscordBotStatus, DiscordGuildStatus } from '@voxbridge/contracts';
import type { AppLogger } from '@voxbridge/platform';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { guildAllowed, tokenFingerprint } from './allow-list';
import type { BotTokenVault } from './bot-token';
import { BotsError } from './bots.errors';
import type { BotsMetrics } from './bots.metrics';

/** Login failures that another try cannot fix: wait for the agent's settings to change. */
const FINAL_LOGIN_CODES = new Set(['TokenInvalid', 'DisallowedIntents', 'TokenMissing', 'token_unusable']);
const RETRY_FIRST_MS = 2_000;
const RETRY_MAX_MS = 60_000;

export interface DiscordBotDeps {
  vault: BotTokenVault;
  metrics: BotsMetrics;
  logger: AppLogger;
  /** Discord's REST root (a fake in tests); the gateway address comes from it. */
  apiUrl?: string;
  /** Called once the client is ready (voice and commands attach here) and before it is destroyed. */
  onReady?(bot: DiscordBot): void;
  onStopping?(bot: DiscordBot): Promise<void>;
}

function errorCode(error: unknown): string {
  if (error instanceof BotsError) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : 'error';
}

/** A message safe to show: discord.js errors never carry the token; ours name the field only. */
function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 300);
}

/**
 * One agent's Discord client: logs in with the decrypted token (kept only in the client), retries
 * with backoff when Discord is unreachable, stops retrying when the token or intents are refused,
 * and reports its state for the status route and /metrics.
 */
export class DiscordBot {
  private client: Client | undefined;
  private state: DiscordBotState = 'starting';
  private lastError: string | undefined;
  private reconnects = 0;
  private attempt = 0;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly log: AppLogger;

  constructor(
    private config: DiscordBotConfig,
    private readonly deps: DiscordBotDeps,
  ) {
    this.log = deps.logger.child({ component: 'discord-bot', agent_id: config.agent_id });
  }

  get agentId(): string {
    return this.config.agent_id;
  }

  get settings(): DiscordBotConfig {
    return this.config;
  }

  /** The ready client, or undefined while (not) logging in. */
  get readyClient(): Client<true> | undefined {
    return this.client?.isReady() ? this.client : undefined;
  }

  /** Starts logging in (in the background: a lease holder must answer its claim at once). */
  start(): void {
    this.connect();
  }

  /** New settings: allow-lists and name apply at once; a new token means a new login. */
  async update(config: DiscordBotConfig): Promise<void> {
    const relogin = tokenFingerprint(config) !== tokenFingerprint(this.config);
    this.config = config;
    if (!relogin || this.stopped) return;
    this.log.info('discord bot token changed; logging in again');
    clearTimeout(this.retry);
    if (this.client?.isReady()) await this.deps.onStopping?.(this).catch((error: unknown) => this.log.warn('discord bot stop hook failed', { err: error }));
    await this.destroyClient();
    this.attempt = 0;
    this.lastError = undefined;
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    if (this.client?.isReady()) await this.deps.onStopping?.(this).catch((error: unknown) => this.log.warn('discord bot stop hook failed', { err: error }));
    await this.destroyClient();
    this.state = 'stopped';
    this.deps.metrics.forget(this.agentId);
  }

  status(): { bot: DiscordBotStatus; guilds: DiscordGuildStatus[] } {
    const client = this.readyClient;
    const bot: DiscordBotStatus = { state: this.state, reconnects: this.reconnects };
    if (client) {
      bot.username = client.user.username;
      bot.user_id = client.user.id;
    }
    if (this.lastError) bot.error = this.lastError;
    const guilds = client ? [...client.guilds.cache.values()].map((guild) => ({ guild_id: guild.id, name: guild.name, allowed: guildAllowed(this.config, guild.id) })) : [];
    return { bot, guilds };
  }

  /** Counts a gateway or voice reconnect of this bot. */
  countReconnect(): void {
    this.reconnects++;
    this.deps.metrics.reconnect(this.agentId);
  }

  private connect(): void {
    if (this.stopped) return;
    this.state = 'starting';
    let token: string;
    try {
      token = this.deps.vault.open(this.config);
    } catch (error) {
      this.failed(error);
      return;
    }
    const client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates],
      ...(this.deps.apiUrl ? { rest: { api: this.deps.apiUrl } } : {}),
    });
    this.client = client;
    client.once(Events.ClientReady, (ready) => {
      if (this.client !== client || this.stopped) return;
      this.state = 'logged_in';
      this.lastError = undefined;
      this.attempt = 0;
      this.deps.metrics.loggedInState(this.agentId, true);
      this.deps.metrics.guildCount(this.agentId, ready.guilds.cache.size);
      this.log.info('discord bot logged in', { bot_user_id: ready.user.id, guilds: ready.guilds.cache.size });
      this.deps.onReady?.(this);
    });
    const guilds = () => this.deps.metrics.guildCount(this.agentId, client.guilds.cache.size);
    client.on(Events.GuildCreate, guilds);
    client.on(Events.GuildDelete, guilds);
    client.on(Events.ShardReconnecting, () => this.countReconnect());
    client.on(Events.Error, (error) => {
      this.lastError = errorText(error);
      this.log.warn('discord client error', { code: errorCode(error), err: error });
    });
    client.login(token).catch((error: unknown) => {
      if (this.client !== client || this.stopped) return;
      void this.destroyClient();
      this.failed(error);
    });
  }

  private failed(error: unknown): void {
    const code = errorCode(error);
    this.state = 'failed';
    this.lastError = errorText(error);
    this.deps.metrics.loginFailed(this.agentId, code);
    this.deps.metrics.loggedInState(this.agentId, false);
    if (FINAL_LOGIN_CODES.has(code)) {
      this.log.warn('discord bot cannot log in; waiting for its settings to change', { code, reason: this.lastError });
      return;
    }
    const delayMs = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** this.attempt++);
    this.log.warn('discord bot login failed; retrying', { code, reason: this.lastError, retry_in_ms: delayMs });
    this.retry = setTimeout(() => this.connect(), delayMs);
    this.retry.unref();
  }

  private async destroyClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    client.removeAllListeners();
    await client.destroy().catch((error: unknown) => this.log.warn('discord client destroy failed', { err: error }));
  }
}
