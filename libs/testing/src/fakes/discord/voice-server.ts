import { randomBytes, randomInt } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { VOICE_OP } from './model';
import { OPUS_FRAME_SAMPLES } from './opus';
import {
  corruptRtp,
  decryptRtp,
  encryptRtp,
  FAKE_DISCORD_ENCRYPTION_MODE,
  ipDiscoveryRequestSsrc,
  ipDiscoveryResponse,
  isRtpPacket,
  OPUS_SILENCE_FRAME,
  rtpSsrc,
} from './rtp';
import type { FakeDiscordTls } from './tls';

/** What the gateway handed a bot in VOICE_STATE_UPDATE + VOICE_SERVER_UPDATE; the voice IDENTIFY must match it. */
export interface FakeVoiceGrant {
  token: string;
  guildId: string;
  channelId: string;
  botUserId: string;
  sessionId: string;
}

export interface FakeVoiceServerOptions {
  /** Voice HELLO heartbeat interval (Discord: about 13,750 ms). */
  heartbeatIntervalMs?: number;
  /** Encryption modes offered in READY, in order; default `['aead_aes256_gcm_rtpsize']`. */
  modes?: string[];
  /** `dave_protocol_version` in SESSION_DESCRIPTION. Only 0 (DAVE off) is implemented. */
  daveProtocolVersion?: number;
}

export interface FakeVoiceServerHooks {
  grantFor(token: string): FakeVoiceGrant | undefined;
  /** People (not bots) whose voice state is in this channel now. */
  peopleInChannel(guildId: string, channelId: string): string[];
}

/** An Opus packet the bot sent, decrypted: what the fake users in its channel heard. */
export interface FakeVoicePacketFromBot {
  sequence: number;
  timestamp: number;
  ssrc: number;
  opus: Buffer;
  /** The 3-byte Opus silence frame @discordjs/voice sends when playback pauses or ends. */
  silence: boolean;
}

export type FakeVoiceConnectionState = 'identified' | 'selecting' | 'ready' | 'disconnected' | 'closed';

/** How a fake user's audio reaches the bot. */
export interface FakeSpeakOptions {
  /** Time between packets; default 20 (real time). 0 sends them back to back (gaps still take their time). */
  frameIntervalMs?: number;
  /** Frame indexes never sent (packet loss: the RTP sequence skips them). */
  drop?: number[];
  /** Frame indexes sent with a broken authentication tag (the bot's transport decryption fails). */
  corrupt?: number[];
  /** Silence as missing packets: after frame `afterFrame`, wait `ms` (timestamps advance, nothing is sent). */
  gaps?: { afterFrame: number; ms: number }[];
  /** Put a one-byte RTP header extension on packets, as Discord clients do; default true. */
  headerExtension?: boolean;
}

export interface FakeSpeakResult {
  userId: string;
  ssrc: number;
  /** RTP sequence numbers of the packets sent, in order (corrupted ones included). */
  sentSequences: number[];
  droppedFrames: number;
  corruptedFrames: number;
}

const DEFAULT_HEARTBEAT_MS = 13_750;

/** One bot's voice connection to a guild on this server; it lives across WebSocket resumes. */
export class FakeVoiceConnection {
  state: FakeVoiceConnectionState = 'identified';
  readonly ssrc = randomInt(1, 2 ** 31);
  readonly secretKey = randomBytes(32);
  mode: string | undefined;
  /** `max_dave_protocol_version` from the bot's IDENTIFY. */
  maxDaveProtocolVersion: number | undefined;
  botAddress: { address: string; port: number } | undefined;
  /** Audio the bot sent, decrypted, in arrival order. */
  readonly fromBot: FakeVoicePacketFromBot[] = [];
  /** Bot packets whose transport decryption failed. */
  decryptFailures = 0;
  /** SPEAKING (op 5) the bot sent. */
  readonly speakingFromBot: { speaking: number; ssrc: number }[] = [];
  /** Every JSON message the bot sent on this connection's WebSockets, in order. */
  readonly received: { op: number; d: unknown }[] = [];
  webSocketsOpened = 1;
  resumes = 0;
  /** `seq_ack` of the bot's last heartbeat. */
  lastSeqAck: number | undefined;
  /** @internal */ ws: WebSocket | undefined;
  /** @internal */ serverSeq = 0;
  /** @internal users announced with SPEAKING on the current WebSocket */ speakingAnnounced = new Set<string>();

  constructor(readonly grant: FakeVoiceGrant, readonly server: FakeVoiceServer) {}

  get guildId(): string {
    return this.grant.guildId;
  }
  get channelId(): string {
    return this.grant.channelId;
  }
  get botUserId(): string {
    return this.grant.botUserId;
  }

  /** The non-silence Opus packets the bot sent, in arrival order. */
  heardOpus(): Buffer[] {
    return this.fromBot.filter((p) => !p.silence).map((p) => p.opus);
  }
}

/**
 * A Discord voice server: the voice WebSocket (v8, over TLS because @discordjs/voice always dials
 * `wss://`), UDP IP discovery, and RTP in `aead_aes256_gcm_rtpsize`. DAVE is negotiated off.
 */
export class FakeVoiceServer {
  readonly connections: FakeVoiceConnection[] = [];
  /** 8-byte UDP keep-alives received from bots. */
  keepAlives = 0;
  /** Voice WebSocket closes by the server: code and reason, in order. */
  readonly serverCloses: { guildId: string; code: number }[] = [];

  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly userSsrcs = new Map<string, number>();
  private readonly userNonces = new Map<number, number>();

  private constructor(
    private readonly https: HttpsServer,
    private readonly udp: UdpSocket,
    readonly wsPort: number,
    readonly udpPort: number,
    private readonly options: FakeVoiceServerOptions,
    private readonly hooks: FakeVoiceServerHooks,
  ) {}

  static async start(tls: FakeDiscordTls, options: FakeVoiceServerOptions, hooks: FakeVoiceServerHooks): Promise<FakeVoiceServer> {
    const https = createHttpsServer({ key: tls.keyPem, cert: tls.certPem }, (_req, res) => res.writeHead(426).end());
    await new Promise<void>((resolve, reject) => {
      https.once('error', reject);
      https.listen(0, '127.0.0.1', resolve);
    });
    const udp = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, '127.0.0.1', resolve);
    });
    const wsAddress = https.address();
    if (typeof wsAddress !== 'object' || !wsAddress) throw new Error('fake voice server has no address');
    const server = new FakeVoiceServer(https, udp, wsAddress.port, udp.address().port, options, hooks);
    https.on('upgrade', (req, socket, head) => server.wss.handleUpgrade(req, socket, head, (ws) => server.onWebSocket(ws)));
    udp.on('message', (datagram, remote) => server.onDatagram(datagram, remote));
    return server;
  }

  /** What VOICE_SERVER_UPDATE carries as `endpoint` (the bot dials `wss://<endpoint>?v=8`). */
  get endpoint(): string {
    return `127.0.0.1:${this.wsPort}`;
  }

  /** The live (not closed) connection of a bot in a guild, if any. */
  connectionOf(guildId: string, botUserId: string): FakeVoiceConnection | undefined {
    return this.connections.find((c) => c.guildId === guildId && c.botUserId === botUserId && c.state !== 'closed');
  }

  /** Fault: the server closes the connection's WebSocket with this code (4015 → the bot resumes; 4006, 4014 → it must rejoin). */
  closeWebSocket(connection: FakeVoiceConnection, code: number): void {
    this.serverCloses.push({ guildId: connection.guildId, code });
    const ws = connection.ws;
    connection.ws = undefined;
    const resumable = code === 4015 || code < 4000;
    connection.state = resumable ? 'disconnected' : 'closed';
    ws?.close(code);
  }

  /** Sends any voice opcode to the bot (a seam for DAVE transitions and other server messages). */
  sendOp(connection: FakeVoiceConnection, op: number, d: unknown): void {
    void this.sendOpFlushed(connection, op, d).catch(() => undefined);
  }

  /** Sends a voice op and resolves once it is written to the socket (so it reaches the bot before RTP sent after it). */
  private sendOpFlushed(connection: FakeVoiceConnection, op: number, d: unknown): Promise<void> {
    const ws = connection.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) throw new Error(`voice connection of bot ${connection.botUserId} has no open WebSocket`);
    connection.serverSeq += 1;
    return new Promise<void>((resolve, reject) => ws.send(JSON.stringify({ op, d, seq: connection.serverSeq }), (error) => (error ? reject(error) : resolve())));
  }

  /** A person joined the bot's channel: CLIENTS_CONNECT (op 11). */
  announceJoin(guildId: string, channelId: string, userId: string): void {
    for (const c of this.readyIn(guildId, channelId)) this.sendOp(c, VOICE_OP.clientsConnect, { user_ids: [userId] });
  }

  /** A person left the bot's channel: CLIENT_DISCONNECT (op 13). */
  announceLeave(guildId: string, channelId: string, userId: string): void {
    for (const c of this.readyIn(guildId, channelId)) this.sendOp(c, VOICE_OP.clientDisconnect, { user_id: userId });
  }

  /** The bot left voice in this guild: the server ends its connection (Discord closes with 4014). */
  endConnection(guildId: string, botUserId: string): void {
    const connection = this.connectionOf(guildId, botUserId);
    if (!connection) return;
    if (connection.ws && connection.ws.readyState === WebSocket.OPEN) this.closeWebSocket(connection, 4014);
    connection.state = 'closed';
  }

  /**
   * A fake user speaks to the bot: SPEAKING (op 5, ssrc → user) once per WebSocket, then one
   * encrypted RTP packet per Opus frame, with the loss, gaps and corruption asked for.
   */
  async speak(connection: FakeVoiceConnection, userId: string, opusFrames: readonly Buffer[], options: FakeSpeakOptions = {}): Promise<FakeSpeakResult> {
    if (connection.state !== 'ready' || !connection.botAddress) throw new Error(`voice connection of bot ${connection.botUserId} is not ready (${connection.state})`);
    const ssrc = this.ssrcOf(userId);
    if (!connection.speakingAnnounced.has(userId)) {
      connection.speakingAnnounced.add(userId);
      // SPEAKING maps the SSRC to the user in the bot's receiver: it must be on the wire before the first RTP packet.
      await this.sendOpFlushed(connection, VOICE_OP.speaking, { user_id: userId, ssrc, speaking: 1 });
    }
    const drop = new Set(options.drop ?? []);
    const corrupt = new Set(options.corrupt ?? []);
    const gaps = new Map((options.gaps ?? []).map((g) => [g.afterFrame, g.ms]));
    const intervalMs = options.frameIntervalMs ?? 20;
    const extension = options.headerExtension === false ? undefined : Buffer.from([0x10, 0x00, 0x00, 0x00]);
    const result: FakeSpeakResult = { userId, ssrc, sentSequences: [], droppedFrames: 0, corruptedFrames: 0 };
    let sequence = randomInt(0, 2 ** 16);
    let timestamp = randomInt(0, 2 ** 31);
    const startedAt = Date.now();
    let dueMs = 0;
    for (const [i, frame] of opusFrames.entries()) {
      if (i > 0) {
        dueMs += intervalMs;
        const waitMs = startedAt + dueMs - Date.now();
        if (waitMs > 0) await delay(waitMs);
      }
      if (drop.has(i)) {
        result.droppedFrames += 1;
      } else {
        const address = connection.botAddress;
        if (connection.state !== 'ready' || !address) throw new Error(`voice connection of bot ${connection.botUserId} went away while user ${userId} spoke`);
        const nonce = (this.userNonces.get(ssrc) ?? 0) + 1;
        this.userNonces.set(ssrc, nonce);
        let packet = encryptRtp({ sequence, timestamp, ssrc, payload: frame }, { secretKey: connection.secretKey, nonce, extension });
        if (corrupt.has(i)) {
          packet = corruptRtp(packet);
          result.corruptedFrames += 1;
        }
        result.sentSequences.push(sequence);
        await new Promise<void>((resolve, reject) => this.udp.send(packet, address.port, address.address, (error) => (error ? reject(error) : resolve())));
      }
      sequence = (sequence + 1) & 0xffff;
      timestamp = (timestamp + OPUS_FRAME_SAMPLES) >>> 0;
      const gapMs = gaps.get(i);
      if (gapMs !== undefined) {
        timestamp = (timestamp + Math.round((gapMs * 48_000) / 1000)) >>> 0;
        dueMs += gapMs;
      }
    }
    return result;
  }

  /** The SSRC this server gives a user's audio. */
  ssrcOf(userId: string): number {
    let ssrc = this.userSsrcs.get(userId);
    if (ssrc === undefined) {
      ssrc = randomInt(1, 2 ** 31);
      this.userSsrcs.set(userId, ssrc);
    }
    return ssrc;
  }

  async stop(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
    this.https.closeAllConnections();
    await new Promise<void>((resolve) => this.https.close(() => resolve()));
  }

  private readyIn(guildId: string, channelId: string): FakeVoiceConnection[] {
    return this.connections.filter((c) => c.guildId === guildId && c.channelId === channelId && c.state === 'ready' && c.ws?.readyState === WebSocket.OPEN);
  }

  private onWebSocket(ws: WebSocket): void {
    let connection: FakeVoiceConnection | undefined;
    const send = (op: number, d: unknown): void => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ op, d }));
    };
    send(VOICE_OP.hello, { heartbeat_interval: this.options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_MS });
    ws.on('close', () => {
      if (connection && connection.ws === ws) {
        connection.ws = undefined;
        if (connection.state !== 'closed') connection.state = 'disconnected';
      }
    });
    ws.on('message', (data: RawData, isBinary) => {
      if (isBinary) return; // DAVE binary opcodes: DAVE is negotiated off, nothing to answer.
      let message: { op?: unknown; d?: unknown };
      try {
        message = JSON.parse(data.toString()) as { op?: unknown; d?: unknown };
      } catch {
        ws.close(4002, 'Failed to decode payload');
        return;
      }
      const d = (typeof message.d === 'object' && message.d !== null ? message.d : {}) as Record<string, unknown>;
      if (message.op !== VOICE_OP.identify && message.op !== VOICE_OP.resume) connection?.received.push({ op: Number(message.op), d: message.d });
      switch (message.op) {
        case VOICE_OP.heartbeat:
          if (connection) connection.lastSeqAck = typeof d['seq_ack'] === 'number' ? d['seq_ack'] : undefined;
          return send(VOICE_OP.heartbeatAck, { t: d['t'] });
        case VOICE_OP.identify:
          connection = this.onIdentify(ws, d);
          return;
        case VOICE_OP.resume:
          connection = this.onResume(ws, d);
          return;
        case VOICE_OP.selectProtocol:
          if (!connection) return ws.close(4003, 'Not authenticated');
          return this.onSelectProtocol(connection, d);
        case VOICE_OP.speaking:
          if (!connection) return ws.close(4003, 'Not authenticated');
          connection.speakingFromBot.push({ speaking: Number(d['speaking']), ssrc: Number(d['ssrc']) });
          return;
        default:
          if (!connection) return ws.close(4003, 'Not authenticated');
          // Other opcodes (DAVE transition ready, ...) are recorded in `received` only.
          return;
      }
    });
  }

  private onIdentify(ws: WebSocket, d: Record<string, unknown>): FakeVoiceConnection | undefined {
    const grant = typeof d['token'] === 'string' ? this.hooks.grantFor(d['token']) : undefined;
    if (!grant || grant.guildId !== d['server_id'] || grant.botUserId !== d['user_id']) {
      ws.close(4004, 'Authentication failed');
      return undefined;
    }
    if (grant.sessionId !== d['session_id']) {
      ws.close(4006, 'Session no longer valid');
      return undefined;
    }
    const previous = this.connectionOf(grant.guildId, grant.botUserId);
    if (previous) {
      previous.state = 'closed';
      if (previous.ws && previous.ws !== ws) previous.ws.close(1000);
    }
    const connection = new FakeVoiceConnection(grant, this);
    connection.ws = ws;
    connection.maxDaveProtocolVersion = typeof d['max_dave_protocol_version'] === 'number' ? d['max_dave_protocol_version'] : undefined;
    connection.received.push({ op: VOICE_OP.identify, d: { ...d, token: '<redacted>' } });
    this.connections.push(connection);
    connection.serverSeq += 1;
    ws.send(
      JSON.stringify({
        op: VOICE_OP.ready,
        d: { ssrc: connection.ssrc, ip: '127.0.0.1', port: this.udpPort, modes: this.options.modes ?? [FAKE_DISCORD_ENCRYPTION_MODE] },
        seq: connection.serverSeq,
      }),
    );
    return connection;
  }

  private onResume(ws: WebSocket, d: Record<string, unknown>): FakeVoiceConnection | undefined {
    const connection = this.connections.find(
      (c) => c.state !== 'closed' && c.guildId === d['server_id'] && c.grant.sessionId === d['session_id'] && c.grant.token === d['token'],
    );
    if (!connection || !connection.mode) {
      ws.close(4006, 'Session no longer valid');
      return undefined;
    }
    if (connection.ws && connection.ws !== ws) connection.ws.close(1000);
    connection.ws = ws;
    connection.webSocketsOpened += 1;
    connection.resumes += 1;
    connection.speakingAnnounced = new Set();
    connection.state = 'ready';
    connection.received.push({ op: VOICE_OP.resume, d: { ...d, token: '<redacted>' } });
    this.sendOp(connection, VOICE_OP.resumed, null);
    return connection;
  }

  private onSelectProtocol(connection: FakeVoiceConnection, d: Record<string, unknown>): void {
    const data = (typeof d['data'] === 'object' && d['data'] !== null ? d['data'] : {}) as Record<string, unknown>;
    const mode = data['mode'];
    const offered = this.options.modes ?? [FAKE_DISCORD_ENCRYPTION_MODE];
    if (typeof mode !== 'string' || !offered.includes(mode) || mode !== FAKE_DISCORD_ENCRYPTION_MODE) {
      this.closeWebSocket(connection, 4016);
      return;
    }
    if (typeof data['address'] === 'string' && typeof data['port'] === 'number') connection.botAddress = { address: data['address'], port: data['port'] };
    connection.mode = mode;
    connection.state = 'ready';
    this.sendOp(connection, VOICE_OP.sessionDescription, {
      audio_codec: 'opus',
      video_codec: null,
      media_session_id: randomBytes(16).toString('hex'),
      mode,
      secret_key: [...connection.secretKey],
      dave_protocol_version: this.options.daveProtocolVersion ?? 0,
    });
    const people = this.hooks.peopleInChannel(connection.guildId, connection.channelId);
    if (people.length > 0) this.sendOp(connection, VOICE_OP.clientsConnect, { user_ids: people });
  }

  private onDatagram(datagram: Buffer, remote: RemoteInfo): void {
    const discoverySsrc = ipDiscoveryRequestSsrc(datagram);
    if (discoverySsrc !== undefined) {
      const connection = this.connections.find((c) => c.ssrc === discoverySsrc && c.state !== 'closed');
      if (!connection) return;
      connection.botAddress ??= { address: remote.address, port: remote.port };
      this.udp.send(ipDiscoveryResponse(discoverySsrc, remote.address, remote.port), remote.port, remote.address);
      return;
    }
    if (datagram.length === 8) {
      this.keepAlives += 1;
      return;
    }
    if (!isRtpPacket(datagram)) return;
    const ssrc = rtpSsrc(datagram);
    const connection = this.connections.find((c) => c.ssrc === ssrc && c.mode !== undefined);
    if (!connection) return;
    try {
      const packet = decryptRtp(datagram, connection.secretKey);
      connection.fromBot.push({ sequence: packet.sequence, timestamp: packet.timestamp, ssrc, opus: packet.payload, silence: packet.payload.equals(OPUS_SILENCE_FRAME) });
    } catch {
      connection.decryptFailures += 1;
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
