import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { answerFakeDiscordControl } from './control';
import { FakeGateway, type FakeGatewaySession } from './gateway';
import {
  ALL_PERMISSIONS,
  channelPayload,
  memberPayload,
  nextSnowflake,
  userPayload,
  type FakeDiscordBot,
  type FakeDiscordBotDefinition,
  type FakeDiscordChannel,
  type FakeDiscordGuildDefinition,
  type FakeDiscordUser,
} from './model';
import { encodePcmToOpus } from './opus';
import { FakeDiscordRest, type FakeInteraction, type FakeRestWorld } from './rest';
import { fakeDiscordTls, trustFakeDiscordTlsInProcess, type FakeDiscordTls } from './tls';
import {
  FakeVoiceServer,
  type FakeSpeakOptions,
  type FakeSpeakResult,
  type FakeVoiceConnection,
  type FakeVoiceGrant,
  type FakeVoicePacketFromBot,
  type FakeVoiceServerOptions,
} from './voice-server';

export interface FakeDiscordOptions {
  bots?: FakeDiscordBotDefinition[];
  /** People (and other users) the guilds' `memberIds` name. */
  users?: FakeDiscordUser[];
  guilds?: FakeDiscordGuildDefinition[];
  /** Gateway HELLO interval; default 41,250 ms like Discord. */
  gatewayHeartbeatIntervalMs?: number;
  voice?: FakeVoiceServerOptions;
  /**
   * Make @discordjs/voice in this process trust the voice server's self-signed certificate
   * (default true). A bot in another process needs `NODE_EXTRA_CA_CERTS=<fake.tls.certFile>`.
   */
  trustTlsInProcess?: boolean;
}

/** A voice state the fake keeps for a person or a bot. */
export interface FakeVoiceState {
  userId: string;
  channelId: string;
  sessionId: string;
  selfMute: boolean;
  selfDeaf: boolean;
}

/** Options of a slash command a person runs. */
export interface FakeSlashCommand {
  guildId: string;
  channelId: string;
  userId: string;
  /** The command name (`voice`). */
  name: string;
  /** A subcommand (`join`), sent as the first option of type 1. */
  subcommand?: string;
  /** Options of the command (or subcommand): name → string, number or boolean. */
  options?: Record<string, string | number | boolean>;
  /** Which bot gets it, when the fake has several. */
  botUserId?: string;
}

interface GuildState {
  definition: FakeDiscordGuildDefinition;
  joinedAt: string;
  voiceStates: Map<string, FakeVoiceState>;
  /** The voice server bots of this guild are sent to (changes with `moveVoiceServer`). */
  voiceServer: FakeVoiceServer;
}

/**
 * A fake Discord speaking the real protocols on 127.0.0.1: REST (`/api/v10`), the gateway
 * WebSocket (v10, JSON) and voice servers (voice WebSocket v8 over TLS, UDP IP discovery, RTP in
 * `aead_aes256_gcm_rtpsize`, DAVE negotiated off). Real discord.js and @discordjs/voice log in,
 * join voice, play and receive against it. See README.md in this folder.
 */
export class FakeDiscord implements FakeRestWorld {
  readonly gateway: FakeGateway;
  readonly rest: FakeDiscordRest;
  /** Every voice server started, the first one included. */
  readonly voiceServers: FakeVoiceServer[] = [];
  private readonly bots = new Map<string, FakeDiscordBot>();
  private readonly users = new Map<string, FakeDiscordUser>();
  private readonly guilds = new Map<string, GuildState>();
  private readonly grants = new Map<string, FakeVoiceGrant>();
  private readonly untrust: (() => void)[] = [];
  private http!: Server;
  private port = 0;

  private constructor(
    readonly tls: FakeDiscordTls,
    private readonly options: FakeDiscordOptions,
  ) {
    this.gateway = new FakeGateway(
      { heartbeatIntervalMs: options.gatewayHeartbeatIntervalMs },
      {
        botByToken: (token) => this.botByToken(token),
        readyPayload: (bot, session) => this.readyPayload(bot, session),
        guildCreates: (bot) =>
          this.guildsOf(bot).flatMap((g) => {
            const payload = this.guildPayload(g.definition.id, bot);
            return payload ? [payload] : [];
          }),
        voiceStateUpdate: (session, d) => this.onBotVoiceStateUpdate(session, d),
      },
    );
    this.rest = new FakeDiscordRest(this);
  }

  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(await fakeDiscordTls(), options);
    for (const user of options.users ?? []) fake.addUser(user);
    for (const bot of options.bots ?? []) fake.addBot(bot);
    const primary = await fake.startVoiceServer();
    for (const guild of options.guilds ?? []) fake.addGuild(guild, primary);
    fake.http = createServer((req, res) => fake.onHttp(req, res));
    fake.http.on('upgrade', (req, socket, head) => {
      if (new URL(req.url ?? '/', 'http://fake').pathname === '/gateway') fake.gateway.handleUpgrade(req, socket, head);
      else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
    await new Promise<void>((resolve, reject) => {
      fake.http.once('error', reject);
      fake.http.listen(0, '127.0.0.1', resolve);
    });
    const address = fake.http.address();
    if (typeof address !== 'object' || !address) throw new Error('fake Discord has no address');
    fake.port = address.port;
    return fake;
  }

  /** `http://127.0.0.1:<port>`. */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** For discord.js: `new Client({ rest: { api: fake.restApiUrl }, ... })`; the gateway URL comes from `GET /gateway/bot`. */
  get restApiUrl(): string {
    return `${this.origin}/api`;
  }

  /** What `GET /gateway/bot` answers, and READY's `resume_gateway_url`. */
  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }

  // ---- world --------------------------------------------------------------------------------

  addUser(user: FakeDiscordUser): FakeDiscordUser {
    this.users.set(user.id, user);
    return user;
  }

  addBot(definition: FakeDiscordBotDefinition): FakeDiscordBot {
    const userId = definition.userId ?? nextSnowflake();
    const bot: FakeDiscordBot = { token: definition.token, userId, applicationId: definition.applicationId ?? userId, username: definition.username ?? `bot-${userId.slice(-4)}` };
    this.bots.set(userId, bot);
    this.users.set(userId, { id: userId, username: bot.username, bot: true });
    return bot;
  }

  /** Adds a guild after start; bots already logged in get its GUILD_CREATE. */
  addGuild(definition: FakeDiscordGuildDefinition, voiceServer = this.voiceServers[0]): void {
    if (!voiceServer) throw new Error('the fake Discord has no voice server yet');
    this.guilds.set(definition.id, { definition, joinedAt: new Date().toISOString(), voiceStates: new Map(), voiceServer });
    for (const bot of this.bots.values()) {
      if (this.isBotInGuild(bot, definition)) this.gateway.dispatchToBot(bot.userId, 'GUILD_CREATE', this.guildPayload(definition.id, bot));
    }
  }

  bot(tokenOrUserId?: string): FakeDiscordBot {
    if (tokenOrUserId === undefined) {
      const [only, ...others] = this.bots.values();
      if (!only || others.length > 0) throw new Error(`the fake has ${this.bots.size} bots: name one`);
      return only;
    }
    const bot = this.bots.get(tokenOrUserId) ?? this.botByToken(tokenOrUserId);
    if (!bot) throw new Error(`no fake bot ${tokenOrUserId}`);
    return bot;
  }

  botByToken(token: string): FakeDiscordBot | undefined {
    return [...this.bots.values()].find((b) => b.token === token);
  }

  botByApplicationId(applicationId: string): FakeDiscordBot | undefined {
    return [...this.bots.values()].find((b) => b.applicationId === applicationId);
  }

  /** The voice state of a user (person or bot) in a guild. */
  voiceStateOf(guildId: string, userId: string): FakeVoiceState | undefined {
    return this.guildState(guildId).voiceStates.get(userId);
  }

  // ---- people in voice ----------------------------------------------------------------------

  /** A person joins (or moves to) a voice channel: VOICE_STATE_UPDATE to the guild's bots, CLIENTS_CONNECT to bots in the channel. */
  joinVoice(userId: string, guildId: string, channelId: string): void {
    const guild = this.guildState(guildId);
    this.voiceChannel(guild, channelId);
    const user = this.user(userId);
    const previous = guild.voiceStates.get(userId);
    if (previous && previous.channelId !== channelId) guild.voiceServer.announceLeave(guildId, previous.channelId, userId);
    const state: FakeVoiceState = { userId, channelId, sessionId: randomBytes(16).toString('hex'), selfMute: false, selfDeaf: false };
    guild.voiceStates.set(userId, state);
    this.dispatchToGuild(guild, 'VOICE_STATE_UPDATE', this.voiceStatePayload(guild, state, user));
    if (previous?.channelId !== channelId) guild.voiceServer.announceJoin(guildId, channelId, userId);
  }

  /** A person leaves voice in a guild. */
  leaveVoice(userId: string, guildId: string): void {
    const guild = this.guildState(guildId);
    const previous = guild.voiceStates.get(userId);
    if (!previous) return;
    guild.voiceStates.delete(userId);
    this.dispatchToGuild(guild, 'VOICE_STATE_UPDATE', this.voiceStatePayload(guild, { ...previous, channelId: null }, this.user(userId)));
    guild.voiceServer.announceLeave(guildId, previous.channelId, userId);
  }

  /**
   * A person in a voice channel speaks: 48 kHz stereo PCM (encoded to 20 ms Opus frames here) or
   * Opus packets, to every bot connected to that channel. Resolves when the last packet is sent.
   */
  async speak(userId: string, guildId: string, audio: { pcm: Buffer } | { opus: readonly Buffer[] }, options?: FakeSpeakOptions): Promise<FakeSpeakResult[]> {
    const guild = this.guildState(guildId);
    const state = guild.voiceStates.get(userId);
    if (!state) throw new Error(`user ${userId} is not in a voice channel of guild ${guildId}`);
    const listeners = guild.voiceServer.connections.filter((c) => c.guildId === guildId && c.channelId === state.channelId && c.state === 'ready');
    if (listeners.length === 0) throw new Error(`no bot is connected to voice channel ${state.channelId}`);
    const frames = 'pcm' in audio ? encodePcmToOpus(audio.pcm) : audio.opus;
    return Promise.all(listeners.map((c) => guild.voiceServer.speak(c, userId, frames, options)));
  }

  // ---- bots in voice ------------------------------------------------------------------------

  /** The bot's live voice connection in a guild (on the guild's current voice server). */
  voiceConnection(guildId: string, botUserId?: string): FakeVoiceConnection | undefined {
    return this.guildState(guildId).voiceServer.connectionOf(guildId, this.bot(botUserId).userId);
  }

  /** Every voice connection a bot made in a guild, on any voice server, oldest first. */
  voiceConnections(guildId: string, botUserId?: string): FakeVoiceConnection[] {
    const bot = this.bot(botUserId);
    return this.voiceServers.flatMap((s) => s.connections).filter((c) => c.guildId === guildId && c.botUserId === bot.userId);
  }

  /** What people in a voice channel heard from the bots, in arrival order, across reconnects (silence frames included, flagged). */
  heardInChannel(guildId: string, channelId: string): FakeVoicePacketFromBot[] {
    return this.voiceServers.flatMap((s) => s.connections).filter((c) => c.guildId === guildId && c.channelId === channelId).flatMap((c) => c.fromBot);
  }

  // ---- interactions -------------------------------------------------------------------------

  /** A person runs a slash command: INTERACTION_CREATE to the bot. The record collects the bot's answers. */
  slashCommand(command: FakeSlashCommand): FakeInteraction {
    const bot = this.bot(command.botUserId);
    const guild = this.guildState(command.guildId);
    const user = this.user(command.userId);
    const options = Object.entries(command.options ?? {}).map(([name, value]) => ({ name, value, type: typeof value === 'string' ? 3 : typeof value === 'boolean' ? 5 : Number.isInteger(value) ? 4 : 10 }));
    const registered = [...this.rest.registeredCommands(bot.applicationId, command.guildId), ...this.rest.registeredCommands(bot.applicationId)].find((c) => c.name === command.name);
    const interaction = this.rest.openInteraction({
      id: nextSnowflake(),
      token: `fake-interaction-${randomBytes(24).toString('hex')}`,
      applicationId: bot.applicationId,
      guildId: command.guildId,
      channelId: command.channelId,
      userId: command.userId,
    });
    const channel = guild.definition.channels.find((c) => c.id === command.channelId);
    this.gateway.dispatchToBot(bot.userId, 'INTERACTION_CREATE', {
      id: interaction.id,
      application_id: bot.applicationId,
      type: 2,
      data: {
        id: registered?.id ?? nextSnowflake(),
        name: command.name,
        type: 1,
        guild_id: command.guildId,
        options: command.subcommand ? [{ type: 1, name: command.subcommand, options }] : options,
      },
      guild_id: command.guildId,
      guild: { id: command.guildId, locale: 'en-US', features: [] },
      channel_id: command.channelId,
      ...(channel ? { channel: channelPayload(command.guildId, channel, 0) } : {}),
      member: memberPayload(user, guild.joinedAt),
      token: interaction.token,
      version: 1,
      app_permissions: ALL_PERMISSIONS,
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': command.guildId },
      context: 0,
      attachment_size_limit: 10_485_760,
    });
    return interaction;
  }

  // ---- faults -------------------------------------------------------------------------------

  /** Closes the bot's voice WebSocket with a code: 4015 (server crashed) → it resumes; 4006, 4014 … → it rejoins or stops. */
  closeVoice(guildId: string, code: number, botUserId?: string): void {
    const connection = this.voiceConnection(guildId, botUserId);
    if (!connection) throw new Error(`bot has no voice connection in guild ${guildId}`);
    connection.server.closeWebSocket(connection, code);
  }

  /** Sends any voice opcode to the bot (seam for DAVE ops such as 21 prepare transition, 22 execute transition). */
  sendVoiceOp(guildId: string, op: number, d: unknown, botUserId?: string): void {
    const connection = this.voiceConnection(guildId, botUserId);
    if (!connection) throw new Error(`bot has no voice connection in guild ${guildId}`);
    connection.server.sendOp(connection, op, d);
  }

  /** Moves the guild to a new voice server: each bot in voice there gets a new VOICE_SERVER_UPDATE. */
  async moveVoiceServer(guildId: string): Promise<FakeVoiceServer> {
    const guild = this.guildState(guildId);
    guild.voiceServer = await this.startVoiceServer();
    for (const state of guild.voiceStates.values()) {
      const bot = this.bots.get(state.userId);
      if (bot) this.sendVoiceServerUpdate(guild, bot, state);
    }
    return guild.voiceServer;
  }

  /** Cuts the bot's gateway connection (no close frame): discord.js resumes. */
  dropGateway(botUserId?: string): void {
    this.gateway.drop(botUserId);
  }

  /** Closes the bot's gateway connection with a code. */
  closeGateway(code: number, botUserId?: string): void {
    this.gateway.close(code, botUserId);
  }

  /** Everything the fake received and did, as JSON (the `GET /_fake/record` answer). */
  record(): Record<string, unknown> {
    return {
      rest: this.rest.requests,
      gateway: this.gateway.received,
      gatewayServerCloses: this.gateway.serverCloses,
      interactions: [...this.rest.interactions.values()],
      channelMessages: this.rest.channelMessages,
      voice: this.voiceServers.flatMap((server) =>
        server.connections.map((c) => ({
          endpoint: server.endpoint,
          guildId: c.guildId,
          channelId: c.channelId,
          botUserId: c.botUserId,
          state: c.state,
          mode: c.mode,
          maxDaveProtocolVersion: c.maxDaveProtocolVersion,
          resumes: c.resumes,
          packetsFromBot: c.fromBot.length,
          decryptFailures: c.decryptFailures,
        })),
      ),
    };
  }

  async stop(): Promise<void> {
    this.untrust.forEach((undo) => undo());
    await this.gateway.stop();
    await Promise.all(this.voiceServers.map((s) => s.stop()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  // ---- payloads (FakeRestWorld) ---------------------------------------------------------------

  guildPayload(guildId: string, bot: FakeDiscordBot): Record<string, unknown> | undefined {
    const guild = this.guilds.get(guildId);
    if (!guild || !this.isBotInGuild(bot, guild.definition)) return undefined;
    const { definition } = guild;
    const members = [...definition.memberIds.map((id) => this.user(id)), ...this.botsOf(definition).map((b) => this.user(b.userId))];
    return {
      id: definition.id,
      name: definition.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: definition.memberIds[0] ?? bot.userId,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [{ id: definition.id, name: '@everyone', color: 0, hoist: false, position: 0, permissions: ALL_PERMISSIONS, managed: false, mentionable: false, flags: 0 }],
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      joined_at: guild.joinedAt,
      large: false,
      unavailable: false,
      member_count: members.length,
      members: members.map((u) => memberPayload(u, guild.joinedAt)),
      channels: definition.channels.map((c, i) => channelPayload(definition.id, c, i)),
      voice_states: [...guild.voiceStates.values()].map((s) => this.voiceStatePayload(guild, s)),
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  guildChannelsPayload(guildId: string, bot: FakeDiscordBot): Record<string, unknown>[] | undefined {
    const guild = this.guilds.get(guildId);
    if (!guild || !this.isBotInGuild(bot, guild.definition)) return undefined;
    return guild.definition.channels.map((c, i) => channelPayload(guildId, c, i));
  }

  channelPayload(channelId: string, bot: FakeDiscordBot): Record<string, unknown> | undefined {
    for (const guild of this.guilds.values()) {
      const index = guild.definition.channels.findIndex((c) => c.id === channelId);
      const channel = guild.definition.channels[index];
      if (channel && this.isBotInGuild(bot, guild.definition)) return channelPayload(guild.definition.id, channel, index);
    }
    return undefined;
  }

  memberPayload(guildId: string, userId: string, bot: FakeDiscordBot): Record<string, unknown> | undefined {
    const guild = this.guilds.get(guildId);
    if (!guild || !this.isBotInGuild(bot, guild.definition)) return undefined;
    const isMember = guild.definition.memberIds.includes(userId) || this.botsOf(guild.definition).some((b) => b.userId === userId);
    const user = this.users.get(userId);
    return isMember && user ? memberPayload(user, guild.joinedAt) : undefined;
  }

  userPayload(userId: string): Record<string, unknown> | undefined {
    const user = this.users.get(userId);
    return user ? userPayload(user) : undefined;
  }

  // ---- internals ----------------------------------------------------------------------------

  private async startVoiceServer(): Promise<FakeVoiceServer> {
    const server = await FakeVoiceServer.start(this.tls, this.options.voice ?? {}, {
      grantFor: (token) => this.grants.get(token),
      peopleInChannel: (guildId, channelId) =>
        [...this.guildState(guildId).voiceStates.values()].filter((s) => s.channelId === channelId && !this.bots.has(s.userId)).map((s) => s.userId),
    });
    this.voiceServers.push(server);
    if (this.options.trustTlsInProcess !== false) this.untrust.push(trustFakeDiscordTlsInProcess([server.wsPort], this.tls.certPem));
    return server;
  }

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const send = (status: number, body?: unknown, headers: Record<string, string> = {}): void => {
        if (body === undefined) return void res.writeHead(status, headers).end();
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      };
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = undefined;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw);
        } catch {
          return send(400, { message: 'The request body contains invalid JSON.', code: 50109 });
        }
      }
      if (url.pathname.startsWith('/_fake/')) {
        answerFakeDiscordControl(this, req.method ?? 'GET', url.pathname, body).then(
          (reply) => send(reply.status, reply.body),
          (error: unknown) => send(500, { error: error instanceof Error ? error.message : String(error) }),
        );
        return;
      }
      if (!url.pathname.startsWith('/api/v10/')) return send(404, { message: '404: Not Found (the fake serves API v10 only)', code: 0 });
      const reply = this.rest.handle(req.method ?? 'GET', url.pathname.slice('/api/v10'.length), Object.fromEntries(url.searchParams), req.headers.authorization, body);
      send(reply.status, reply.body, reply.headers);
    });
  }

  private readyPayload(bot: FakeDiscordBot, session: FakeGatewaySession): Record<string, unknown> {
    return {
      v: 10,
      user: { ...userPayload(this.user(bot.userId)), bot: true, verified: true, mfa_enabled: false, flags: 0, email: null },
      guilds: this.guildsOf(bot).map((g) => ({ id: g.definition.id, unavailable: true })),
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: this.gatewayUrl,
      shard: [0, 1],
      application: { id: bot.applicationId, flags: 0 },
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: ['fake'],
      user_settings: {},
      auth: {},
    };
  }

  private onBotVoiceStateUpdate(session: FakeGatewaySession, d: Record<string, unknown>): void {
    const guild = typeof d['guild_id'] === 'string' ? this.guilds.get(d['guild_id']) : undefined;
    if (!guild || !this.isBotInGuild(session.bot, guild.definition)) return;
    const bot = session.bot;
    const channelId = d['channel_id'];
    if (channelId === null || channelId === undefined) {
      const previous = guild.voiceStates.get(bot.userId);
      guild.voiceStates.delete(bot.userId);
      if (previous) this.dispatchToGuild(guild, 'VOICE_STATE_UPDATE', this.voiceStatePayload(guild, { ...previous, channelId: null }));
      for (const server of this.voiceServers) server.endConnection(guild.definition.id, bot.userId);
      return;
    }
    if (typeof channelId !== 'string' || !guild.definition.channels.some((c) => c.id === channelId && c.kind === 'voice')) return;
    const state: FakeVoiceState = { userId: bot.userId, channelId, sessionId: session.id, selfMute: d['self_mute'] === true, selfDeaf: d['self_deaf'] === true };
    guild.voiceStates.set(bot.userId, state);
    this.dispatchToGuild(guild, 'VOICE_STATE_UPDATE', this.voiceStatePayload(guild, state));
    this.sendVoiceServerUpdate(guild, bot, state);
  }

  private sendVoiceServerUpdate(guild: GuildState, bot: FakeDiscordBot, state: FakeVoiceState): void {
    const token = randomBytes(8).toString('hex');
    this.grants.set(token, { token, guildId: guild.definition.id, channelId: state.channelId, botUserId: bot.userId, sessionId: state.sessionId });
    this.gateway.dispatchToBot(bot.userId, 'VOICE_SERVER_UPDATE', { token, guild_id: guild.definition.id, endpoint: guild.voiceServer.endpoint });
  }

  private voiceStatePayload(guild: GuildState, state: Omit<FakeVoiceState, 'channelId'> & { channelId: string | null }, user = this.users.get(state.userId)): Record<string, unknown> {
    return {
      guild_id: guild.definition.id,
      channel_id: state.channelId,
      user_id: state.userId,
      ...(user ? { member: memberPayload(user, guild.joinedAt) } : {}),
      session_id: state.sessionId,
      deaf: false,
      mute: false,
      self_deaf: state.selfDeaf,
      self_mute: state.selfMute,
      self_video: false,
      suppress: false,
      request_to_speak_timestamp: null,
    };
  }

  private dispatchToGuild(guild: GuildState, t: string, d: unknown): void {
    for (const bot of this.botsOf(guild.definition)) this.gateway.dispatchToBot(bot.userId, t, d);
  }

  private guildState(guildId: string): GuildState {
    const guild = this.guilds.get(guildId);
    if (!guild) throw new Error(`no fake guild ${guildId}`);
    return guild;
  }

  private voiceChannel(guild: GuildState, channelId: string): FakeDiscordChannel {
    const channel = guild.definition.channels.find((c) => c.id === channelId);
    if (!channel || channel.kind !== 'voice') throw new Error(`no voice channel ${channelId} in guild ${guild.definition.id}`);
    return channel;
  }

  private user(userId: string): FakeDiscordUser {
    const user = this.users.get(userId);
    if (!user) throw new Error(`no fake user ${userId}`);
    return user;
  }

  private isBotInGuild(bot: FakeDiscordBot, guild: FakeDiscordGuildDefinition): boolean {
    return guild.botUserIds === undefined || guild.botUserIds.includes(bot.userId);
  }

  private botsOf(guild: FakeDiscordGuildDefinition): FakeDiscordBot[] {
    return [...this.bots.values()].filter((b) => this.isBotInGuild(b, guild));
  }

  private guildsOf(bot: FakeDiscordBot): GuildState[] {
    return [...this.guilds.values()].filter((g) => this.isBotInGuild(bot, g.definition));
  }
}
