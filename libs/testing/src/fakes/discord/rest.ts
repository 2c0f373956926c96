import { nextSnowflake, type FakeDiscordBot } from './model';

/** What the REST routes need from the fake's world. */
export interface FakeRestWorld {
  readonly gatewayUrl: string;
  botByToken(token: string): FakeDiscordBot | undefined;
  botByApplicationId(applicationId: string): FakeDiscordBot | undefined;
  guildPayload(guildId: string, bot: FakeDiscordBot): Record<string, unknown> | undefined;
  guildChannelsPayload(guildId: string, bot: FakeDiscordBot): Record<string, unknown>[] | undefined;
  channelPayload(channelId: string, bot: FakeDiscordBot): Record<string, unknown> | undefined;
  memberPayload(guildId: string, userId: string, bot: FakeDiscordBot): Record<string, unknown> | undefined;
  userPayload(userId: string): Record<string, unknown> | undefined;
}

/** One REST request the fake received (no token: only which bot it authenticated as). */
export interface FakeRestRequest {
  method: string;
  /** The path below `/api/v10`, e.g. `/applications/123/commands`. */
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** The bot the `Authorization: Bot <token>` header named; undefined when absent or unknown. */
  botUserId: string | undefined;
  status: number;
}

/** An application command as registered by a bot (global when `guild_id` is absent). */
export interface FakeRegisteredCommand extends Record<string, unknown> {
  id: string;
  application_id: string;
  guild_id?: string;
  name: string;
}

/** An interaction the fake dispatched (INTERACTION_CREATE), and what the bot answered. */
export interface FakeInteraction {
  id: string;
  token: string;
  applicationId: string;
  guildId: string;
  channelId: string;
  userId: string;
  /** Callbacks, follow-ups, edits and deletes of the answer, in order. */
  responses: FakeInteractionResponse[];
}

export interface FakeInteractionResponse {
  kind: 'callback' | 'followup' | 'edit' | 'delete';
  /** The callback type (4 message, 5 deferred message, 6 deferred update, 7 update, 9 modal), for `callback`. */
  callbackType?: number;
  /** The message content, when the body carried one. */
  content?: string;
  /** Message flags (64 = ephemeral), when the body carried them. */
  flags?: number;
  body: unknown;
}

/** A message a bot posted with `POST /channels/:id/messages`. */
export interface FakeChannelMessage {
  id: string;
  channelId: string;
  botUserId: string;
  content: string | undefined;
  body: unknown;
}

/** A scripted REST failure: the next `times` requests matching method and path get this status. */
export interface FakeRestFailure {
  method?: string;
  /** A path below `/api/v10`: exact string, or a pattern. */
  path: string | RegExp;
  status: number;
  body?: unknown;
  times?: number;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const notFound = (what: string, code: number): Reply => ({ status: 404, body: { message: `Unknown ${what}`, code } });

/** The REST routes discord.js calls to log in and for what a bot does, under `/api/v10`. */
export class FakeDiscordRest {
  readonly requests: FakeRestRequest[] = [];
  readonly interactions = new Map<string, FakeInteraction>();
  readonly channelMessages: FakeChannelMessage[] = [];
  private readonly commands = new Map<string, FakeRegisteredCommand[]>();
  private readonly failures: (FakeRestFailure & { remaining: number })[] = [];

  constructor(private readonly world: FakeRestWorld) {}

  /** Commands a bot registered: global ones, or one guild's. */
  registeredCommands(applicationId: string, guildId?: string): FakeRegisteredCommand[] {
    return this.commands.get(commandKey(applicationId, guildId)) ?? [];
  }

  /** Registers an interaction the fake is about to dispatch, so its token is accepted. */
  openInteraction(interaction: Omit<FakeInteraction, 'responses'>): FakeInteraction {
    const record = { ...interaction, responses: [] };
    this.interactions.set(interaction.id, record);
    return record;
  }

  fail(failure: FakeRestFailure): void {
    this.failures.push({ ...failure, remaining: failure.times ?? 1 });
  }

  handle(method: string, path: string, query: Record<string, string>, authorization: string | undefined, body: unknown): Reply {
    const bot = authorization?.startsWith('Bot ') ? this.world.botByToken(authorization.slice(4)) : undefined;
    const reply = this.route(method, path, query, authorization, bot, body);
    this.requests.push({ method, path, query, body, botUserId: bot?.userId, status: reply.status });
    return reply;
  }

  private route(method: string, path: string, query: Record<string, string>, authorization: string | undefined, bot: FakeDiscordBot | undefined, body: unknown): Reply {
    const failure = this.failures.find((f) => f.remaining > 0 && (!f.method || f.method === method) && (typeof f.path === 'string' ? f.path === path : f.path.test(path)));
    if (failure) {
      failure.remaining -= 1;
      const headers: Record<string, string> = failure.status === 429 ? { 'retry-after': '0', 'x-ratelimit-scope': 'user' } : {};
      return { status: failure.status, body: failure.body ?? { message: 'scripted failure', code: 0, retry_after: 0, global: false }, headers };
    }
    const parts = path.split('/').filter(Boolean);
    // Interaction callbacks and webhooks authenticate with the interaction token in the path.
    if (parts[0] === 'interactions' && parts.length === 4 && parts[3] === 'callback' && method === 'POST') return this.callback(parts[1] ?? '', parts[2] ?? '', query, body);
    if (parts[0] === 'webhooks' && parts.length >= 3) return this.webhook(method, parts, body);
    if (method === 'GET' && path === '/gateway') return { status: 200, body: { url: this.world.gatewayUrl } };
    if (!bot) return { status: 401, body: { message: authorization ? '401: Unauthorized' : '401: Unauthorized (no Authorization header)', code: 0 } };

    if (method === 'GET' && path === '/gateway/bot') {
      return {
        status: 200,
        body: { url: this.world.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } },
      };
    }
    if (method === 'GET' && path === '/users/@me') return { status: 200, body: { ...this.world.userPayload(bot.userId), bot: true, verified: true, mfa_enabled: false, flags: 0 } };
    if (method === 'GET' && path === '/applications/@me') return { status: 200, body: this.applicationPayload(bot) };
    if (parts[0] === 'applications') return this.applicationCommands(method, parts, bot, body);
    if (parts[0] === 'users' && parts.length === 2 && method === 'GET') {
      const user = this.world.userPayload(parts[1] ?? '');
      return user ? { status: 200, body: user } : notFound('User', 10013);
    }
    if (parts[0] === 'guilds' && parts[1]) {
      const guildId = parts[1];
      if (parts.length === 2 && method === 'GET') {
        const guild = this.world.guildPayload(guildId, bot);
        return guild ? { status: 200, body: guild } : notFound('Guild', 10004);
      }
      if (parts.length === 3 && parts[2] === 'channels' && method === 'GET') {
        const channels = this.world.guildChannelsPayload(guildId, bot);
        return channels ? { status: 200, body: channels } : notFound('Guild', 10004);
      }
      if (parts.length === 4 && parts[2] === 'members' && method === 'GET') {
        const member = this.world.memberPayload(guildId, parts[3] ?? '', bot);
        return member ? { status: 200, body: member } : notFound('Member', 10007);
      }
    }
    if (parts[0] === 'channels' && parts[1]) {
      const channel = this.world.channelPayload(parts[1], bot);
      if (!channel) return notFound('Channel', 10003);
      if (parts.length === 2 && method === 'GET') return { status: 200, body: channel };
      if (parts.length === 3 && parts[2] === 'messages' && method === 'POST') {
        const message = this.messagePayload(bot, parts[1], body);
        this.channelMessages.push({ id: String(message['id']), channelId: parts[1], botUserId: bot.userId, content: contentOf(body), body });
        return { status: 200, body: message };
      }
    }
    return { status: 404, body: { message: '404: Not Found', code: 0 } };
  }

  private applicationCommands(method: string, parts: string[], bot: FakeDiscordBot, body: unknown): Reply {
    // /applications/:app/commands[/:id]  or  /applications/:app/guilds/:guild/commands[/:id]
    const applicationId = parts[1] ?? '';
    if (applicationId !== bot.applicationId) return { status: 403, body: { message: 'Missing Access', code: 50001 } };
    const guildScoped = parts[2] === 'guilds';
    const guildId = guildScoped ? parts[3] : undefined;
    const rest = parts.slice(guildScoped ? 4 : 2);
    if (rest[0] !== 'commands') return { status: 404, body: { message: '404: Not Found', code: 0 } };
    if (guildId && !this.world.guildPayload(guildId, bot)) return { status: 403, body: { message: 'Missing Access', code: 50001 } };
    const key = commandKey(applicationId, guildId);
    const current = this.commands.get(key) ?? [];
    const commandId = rest[1];
    const make = (raw: unknown, previous?: FakeRegisteredCommand): FakeRegisteredCommand => {
      const data = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
      return {
        type: 1,
        description: '',
        options: [],
        default_member_permissions: null,
        dm_permission: true,
        nsfw: false,
        ...previous,
        ...data,
        id: previous?.id ?? nextSnowflake(),
        application_id: applicationId,
        ...(guildId ? { guild_id: guildId } : {}),
        name: String(data['name'] ?? previous?.name ?? ''),
        version: nextSnowflake(),
      };
    };
    if (!commandId) {
      if (method === 'GET') return { status: 200, body: current };
      if (method === 'PUT') {
        if (!Array.isArray(body)) return { status: 400, body: { message: 'Invalid Form Body: expected an array of commands', code: 50035 } };
        const invalid = body.find((c) => typeof (c as { name?: unknown })?.name !== 'string' || !/^[-_\p{L}\p{N}]{1,32}$/u.test((c as { name: string }).name));
        if (invalid !== undefined) return { status: 400, body: { message: 'Invalid Form Body: command name must be 1-32 lowercase characters', code: 50035 } };
        const next = body.map((c) => make(c, current.find((old) => old.name === (c as { name: string }).name)));
        this.commands.set(key, next);
        return { status: 200, body: next };
      }
      if (method === 'POST') {
        const existing = current.find((old) => old.name === (body as { name?: unknown } | null)?.name);
        const command = make(body, existing);
        this.commands.set(key, [...current.filter((c) => c !== existing), command]);
        return { status: existing ? 200 : 201, body: command };
      }
    } else {
      const existing = current.find((c) => c.id === commandId);
      if (!existing) return notFound('application command', 10063);
      if (method === 'GET') return { status: 200, body: existing };
      if (method === 'PATCH') {
        const command = make({ ...existing, ...(body as object) }, existing);
        this.commands.set(key, current.map((c) => (c === existing ? command : c)));
        return { status: 200, body: command };
      }
      if (method === 'DELETE') {
        this.commands.set(key, current.filter((c) => c !== existing));
        return { status: 204 };
      }
    }
    return { status: 405, body: { message: '405: Method Not Allowed', code: 0 } };
  }

  private callback(interactionId: string, token: string, query: Record<string, string>, body: unknown): Reply {
    const interaction = this.interactions.get(interactionId);
    if (!interaction || interaction.token !== token) return notFound('interaction', 10062);
    if (interaction.responses.some((r) => r.kind === 'callback')) return { status: 400, body: { message: 'Interaction has already been acknowledged.', code: 40060 } };
    const data = (body as { type?: unknown; data?: unknown } | null) ?? {};
    const callbackType = Number(data.type);
    interaction.responses.push({ kind: 'callback', callbackType, content: contentOf(data.data), flags: flagsOf(data.data), body });
    if (query['with_response'] !== 'true') return { status: 204 };
    const bot = this.world.botByApplicationId(interaction.applicationId);
    if (!bot) return notFound('Application', 10002);
    const message = this.messagePayload(bot, interaction.channelId, data.data ?? {});
    return {
      status: 200,
      body: {
        interaction: { id: interaction.id, type: 2, response_message_id: message['id'], response_message_loading: callbackType === 5, response_message_ephemeral: ((flagsOf(data.data) ?? 0) & 64) !== 0 },
        resource: { type: callbackType, message },
      },
    };
  }

  private webhook(method: string, parts: string[], body: unknown): Reply {
    // /webhooks/:app/:token  or  /webhooks/:app/:token/messages/:message
    const [, applicationId, token] = parts;
    const interaction = [...this.interactions.values()].find((i) => i.token === token && i.applicationId === applicationId);
    if (!interaction) return notFound('Webhook', 10015);
    const bot = this.world.botByApplicationId(interaction.applicationId);
    if (!bot) return notFound('Application', 10002);
    if (parts.length === 3 && method === 'POST') {
      interaction.responses.push({ kind: 'followup', content: contentOf(body), flags: flagsOf(body), body });
      return { status: 200, body: this.messagePayload(bot, interaction.channelId, body) };
    }
    if (parts.length === 5 && parts[3] === 'messages') {
      if (method === 'PATCH') {
        interaction.responses.push({ kind: 'edit', content: contentOf(body), flags: flagsOf(body), body });
        return { status: 200, body: this.messagePayload(bot, interaction.channelId, body) };
      }
      if (method === 'GET') {
        const last = [...interaction.responses].reverse().find((r) => r.content !== undefined);
        return { status: 200, body: this.messagePayload(bot, interaction.channelId, { content: last?.content ?? '' }) };
      }
      if (method === 'DELETE') {
        interaction.responses.push({ kind: 'delete', body: null });
        return { status: 204 };
      }
    }
    return { status: 405, body: { message: '405: Method Not Allowed', code: 0 } };
  }

  private applicationPayload(bot: FakeDiscordBot): Record<string, unknown> {
    return {
      id: bot.applicationId,
      name: bot.username,
      icon: null,
      description: '',
      bot_public: true,
      bot_require_code_grant: false,
      verify_key: '0'.repeat(64),
      flags: 0,
      bot: this.world.userPayload(bot.userId),
    };
  }

  private messagePayload(bot: FakeDiscordBot, channelId: string, body: unknown): Record<string, unknown> {
    const data = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    return {
      id: nextSnowflake(),
      channel_id: channelId,
      author: { ...this.world.userPayload(bot.userId), bot: true },
      content: typeof data['content'] === 'string' ? data['content'] : '',
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: Array.isArray(data['embeds']) ? data['embeds'] : [],
      components: Array.isArray(data['components']) ? data['components'] : [],
      pinned: false,
      type: 0,
      flags: typeof data['flags'] === 'number' ? data['flags'] : 0,
      application_id: bot.applicationId,
    };
  }
}

function commandKey(applicationId: string, guildId?: string): string {
  return guildId ? `${applicationId}/${guildId}` : applicationId;
}

function contentOf(body: unknown): string | undefined {
  const content = (body as { content?: unknown } | null | undefined)?.content;
  return typeof content === 'string' ? content : undefined;
}

function flagsOf(body: unknown): number | undefined {
  const flags = (body as { flags?: unknown } | null | undefined)?.flags;
  return typeof flags === 'number' ? flags : undefined;
}

