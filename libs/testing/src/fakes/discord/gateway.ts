import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { GATEWAY_OP, type FakeDiscordBot } from './model';

export interface FakeGatewayOptions {
  /** HELLO heartbeat interval (Discord: 41,250 ms). discord.js sends its first heartbeat after a random part of it. */
  heartbeatIntervalMs?: number;
}

export interface FakeGatewayHooks {
  botByToken(token: string): FakeDiscordBot | undefined;
  /** READY's `d` for a new session (guilds listed as unavailable, then one GUILD_CREATE each). */
  readyPayload(bot: FakeDiscordBot, session: FakeGatewaySession): Record<string, unknown>;
  guildCreates(bot: FakeDiscordBot): Record<string, unknown>[];
  /** Op 4 from the bot: join, move or leave a voice channel. */
  voiceStateUpdate(session: FakeGatewaySession, d: Record<string, unknown>): void;
}

/** One identified gateway session of a bot; it outlives its WebSocket until the bot resumes or identifies anew. */
export class FakeGatewaySession {
  readonly id = randomBytes(16).toString('hex');
  seq = 0;
  resumes = 0;
  /** Every dispatch sent (or queued while the socket was down), for RESUME replay. */
  readonly events: { s: number; t: string; d: unknown }[] = [];
  /** @internal */ socket: WebSocket | undefined;
  intents = 0;

  constructor(readonly bot: FakeDiscordBot) {}

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }
}

/** A gateway message the fake received (IDENTIFY and RESUME tokens redacted). */
export interface FakeGatewayReceived {
  connection: number;
  botUserId: string | undefined;
  op: number;
  d: unknown;
}

const DEFAULT_HEARTBEAT_MS = 41_250;
const MAX_REPLAY_EVENTS = 1_000;

/** The Discord gateway (API v10, JSON encoding, no compression) on the fake's HTTP server. */
export class FakeGateway {
  readonly sessions: FakeGatewaySession[] = [];
  readonly received: FakeGatewayReceived[] = [];
  /** WebSocket closes the fake initiated: code per bot, in order (a `drop` has code 1006). */
  readonly serverCloses: { botUserId: string | undefined; code: number }[] = [];
  connections = 0;
  private readonly wss = new WebSocketServer({ noServer: true });

  constructor(
    private readonly options: FakeGatewayOptions,
    private readonly hooks: FakeGatewayHooks,
  ) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const query = new URL(req.url ?? '/', 'http://fake').searchParams;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (query.get('v') !== '10') return ws.close(4012, 'Invalid API version');
      if ((query.get('encoding') ?? 'json') !== 'json') return ws.close(4002, 'Decode error: only JSON encoding');
      if (query.get('compress')) return ws.close(4002, 'Decode error: no transport compression in the fake');
      this.onConnection(ws);
    });
  }

  /** The bot's sessions with a live WebSocket. */
  liveSessions(botUserId?: string): FakeGatewaySession[] {
    return this.sessions.filter((s) => s.connected && (botUserId === undefined || s.bot.userId === botUserId));
  }

  /** Sends (or queues for RESUME) a dispatch on a session. */
  dispatch(session: FakeGatewaySession, t: string, d: unknown): void {
    session.seq += 1;
    session.events.push({ s: session.seq, t, d });
    if (session.events.length > MAX_REPLAY_EVENTS) session.events.shift();
    if (session.connected) session.socket?.send(JSON.stringify({ op: GATEWAY_OP.dispatch, t, s: session.seq, d }));
  }

  /** Dispatches to the bot's current session (the last identified one). */
  dispatchToBot(botUserId: string, t: string, d: unknown): void {
    const session = this.currentSession(botUserId);
    if (session) this.dispatch(session, t, d);
  }

  currentSession(botUserId: string): FakeGatewaySession | undefined {
    return [...this.sessions].reverse().find((s) => s.bot.userId === botUserId);
  }

  /** Fault: cut the bot's gateway sockets without a close frame (the bot sees 1006 and resumes). */
  drop(botUserId?: string): void {
    for (const session of this.liveSessions(botUserId)) {
      this.serverCloses.push({ botUserId: session.bot.userId, code: 1006 });
      session.socket?.terminate();
    }
  }

  /** Fault: close the bot's gateway sockets with a code (4000–4003, 4005, 4007–4009 let discord.js reconnect; 4004 is fatal). */
  close(code: number, botUserId?: string): void {
    for (const session of this.liveSessions(botUserId)) {
      this.serverCloses.push({ botUserId: session.bot.userId, code });
      session.socket?.close(code);
    }
  }

  /** Sends op 7 RECONNECT: the bot should close and RESUME. */
  requestReconnect(botUserId?: string): void {
    for (const session of this.liveSessions(botUserId)) session.socket?.send(JSON.stringify({ op: GATEWAY_OP.reconnect, d: null }));
  }

  async stop(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(ws: WebSocket): void {
    const connection = ++this.connections;
    let session: FakeGatewaySession | undefined;
    const send = (payload: unknown): void => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(payload));
    };
    send({ op: GATEWAY_OP.hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_MS } });
    ws.on('message', (data: RawData, isBinary) => {
      let message: { op?: unknown; d?: unknown };
      try {
        if (isBinary) throw new SyntaxError('binary');
        message = JSON.parse(data.toString()) as { op?: unknown; d?: unknown };
      } catch {
        ws.close(4002, 'Decode error');
        return;
      }
      const op = Number(message.op);
      const d = (typeof message.d === 'object' && message.d !== null ? message.d : {}) as Record<string, unknown>;
      const recorded = op === GATEWAY_OP.identify || op === GATEWAY_OP.resume ? { ...d, token: '<redacted>' } : message.d;
      this.received.push({ connection, botUserId: session?.bot.userId, op, d: recorded });
      switch (op) {
        case GATEWAY_OP.heartbeat:
          return send({ op: GATEWAY_OP.heartbeatAck });
        case GATEWAY_OP.identify: {
          if (session) return ws.close(4005, 'Already authenticated');
          const bot = typeof d['token'] === 'string' ? this.hooks.botByToken(d['token']) : undefined;
          if (!bot) {
            this.serverCloses.push({ botUserId: undefined, code: 4004 });
            return ws.close(4004, 'Authentication failed');
          }
          session = new FakeGatewaySession(bot);
          session.socket = ws;
          session.intents = Number(d['intents'] ?? 0);
          this.sessions.push(session);
          this.dispatch(session, 'READY', this.hooks.readyPayload(bot, session));
          for (const guild of this.hooks.guildCreates(bot)) this.dispatch(session, 'GUILD_CREATE', guild);
          return;
        }
        case GATEWAY_OP.resume: {
          const resumed = this.sessions.find((s) => s.id === d['session_id'] && typeof d['token'] === 'string' && this.hooks.botByToken(d['token'])?.userId === s.bot.userId);
          const from = Number(d['seq'] ?? 0);
          if (!resumed || (resumed.events[0] && resumed.events[0].s > from + 1)) return send({ op: GATEWAY_OP.invalidSession, d: false });
          if (resumed.socket && resumed.socket !== ws) resumed.socket.terminate();
          session = resumed;
          session.socket = ws;
          session.resumes += 1;
          for (const event of session.events.filter((e) => e.s > from)) send({ op: GATEWAY_OP.dispatch, t: event.t, s: event.s, d: event.d });
          this.dispatch(session, 'RESUMED', null);
          return;
        }
        case GATEWAY_OP.voiceStateUpdate:
          if (!session) return ws.close(4003, 'Not authenticated');
          return this.hooks.voiceStateUpdate(session, d);
        case GATEWAY_OP.presenceUpdate:
        case GATEWAY_OP.requestGuildMembers:
          if (!session) return ws.close(4003, 'Not authenticated');
          return;
        default:
          return ws.close(4001, 'Unknown opcode');
      }
    });
  }
}
