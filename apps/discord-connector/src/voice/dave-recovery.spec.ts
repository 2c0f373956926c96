import { createCipheriv, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { DAVESession, joinVoiceChannel, NetworkingStatusCode, VoiceConnectionStatus, type VoiceConnection, type VoiceConnectionState } from '@discordjs/voice';
import type { Bus, FrameMeta, PipelineSession } from '@voxbridge/bus';
import { AppLogger, MetricsService } from '@voxbridge/platform';
import { encodePcmToOpus, sinePcm } from '@voxbridge/testing';
import type { Client } from 'discord.js';
import { BotsMetrics } from '../bots/bots.metrics';
import { daveGaveUp, isDaveError, watchConnectionErrors } from './dave-recovery';
import { DiscordConversation } from './discord-conversation';

/*
 * The fake Discord negotiates DAVE off, so DAVE is tested here, at a seam: a real VoiceConnection,
 * its real VoiceReceiver (transport decryption, SSRC map, stream destroy on a thrown decrypt) and a
 * real DAVESession (failure counting, tolerance, transitions, re-initialisation). Stand-ins: the
 * Networking object (its UDP socket and WebSocket are plain emitters we feed RTP and opcodes into)
 * and @snazzah/davey's native MLS session inside the DAVESession (its decrypt fails on demand).
 * The connection's `transitioned` / `error` events are emitted as Networking emits them.
 */

const AGENT = '11111111-1111-4111-8111-111111111111';
const SESSION = '22222222-2222-4222-8222-222222222222';
const GUILD = '100000000000000001';
const CHANNEL = '100000000000000002';
const BOT = '300000000000000001';
const ALICE = '200000000000000001';
const BOB = '200000000000000002';
const SSRC: Record<string, number> = { [ALICE]: 1001, [BOB]: 1002 };
const SPEAKING_OPCODE = 5; // VoiceOpcodes.Speaking: the voice server maps an SSRC to a user
const DAVE_TOLERANCE = 36; // @discordjs/voice's default decryptionFailureTolerance

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** @snazzah/davey's session as DAVESession uses it: ready, decrypt failing while `failing`. */
class FakeMls {
  failing = false;
  reinits = 0;
  readonly ready = true;
  canPassthrough = () => false;
  decrypt = (_userId: string, _mediaType: unknown, packet: Buffer): Buffer => {
    if (this.failing) throw new Error('DecryptionFailed(NoValidCryptorFound)');
    return packet;
  };
  reinit = () => void this.reinits++;
  getSerializedKeyPackage = () => Buffer.from([1, 2, 3]);
  reset = () => undefined;
  setPassthroughMode = () => undefined;
}

/** Transport encryption as Discord's voice server applies it (aead_aes256_gcm_rtpsize). */
class RtpSender {
  private readonly seq = new Map<string, number>();
  private nonce = 0;
  constructor(private readonly key: Buffer) {}

  packet(userId: string, opus: Buffer, corrupt = false): Buffer {
    const seq = (this.seq.get(userId) ?? 0) + 1;
    this.seq.set(userId, seq);
    const header = Buffer.alloc(12);
    header[0] = 0x80;
    header[1] = 120;
    header.writeUInt16BE(seq & 0xffff, 2);
    header.writeUInt32BE(seq * 960, 4);
    header.writeUInt32BE(SSRC[userId] ?? 0, 8);
    const nonce4 = Buffer.alloc(4);
    nonce4.writeUInt32BE(++this.nonce);
    const cipher = createCipheriv('aes-256-gcm', this.key, Buffer.concat([nonce4, Buffer.alloc(8)]));
    cipher.setAAD(header);
    const encrypted = Buffer.concat([cipher.update(opus), cipher.final()]);
    const tag = cipher.getAuthTag();
    if (corrupt) tag[0] = (tag[0] ?? 0) ^ 0xff;
    return Buffer.concat([header, encrypted, tag, nonce4]);
  }
}

describe('DAVE handling (seam: real VoiceConnection, VoiceReceiver and DAVESession)', () => {
  let connection: VoiceConnection;
  let udp: EventEmitter;
  let ws: EventEmitter;
  let dave: DAVESession;
  let mls: FakeMls;
  let rtp: RtpSender;
  let invalidated: number[];
  let published: FrameMeta[];
  let metricsService: MetricsService;
  let sut: DiscordConversation;
  const opus = encodePcmToOpus(sinePcm({ frequencyHz: 300, durationMs: 400 }));
  const logger = AppLogger.create({ service: 'discord-connector', level: 'silent', format: 'json' });

  beforeEach(() => {
    connection = joinVoiceChannel({ guildId: GUILD, channelId: CHANNEL, group: `dave-${randomBytes(4).toString('hex')}`, adapterCreator: () => ({ sendPayload: () => true, destroy: () => undefined }) });
    // Negotiated: transport encryption plus a DAVE session (protocol v1), as Networking's Ready state holds them.
    const key = randomBytes(32);
    rtp = new RtpSender(key);
    udp = new EventEmitter();
    ws = new EventEmitter();
    dave = new DAVESession(1, BOT, CHANNEL, {});
    mls = new FakeMls();
    dave.session = mls as unknown as DAVESession['session'];
    invalidated = [];
    dave.on('invalidateTransition', (transitionId: number) => invalidated.push(transitionId));
    const networking = Object.assign(new EventEmitter(), {
      state: {
        code: NetworkingStatusCode.Ready,
        ws,
        udp,
        dave,
        connectionData: { encryptionMode: 'aead_aes256_gcm_rtpsize', secretKey: new Uint8Array(key), nonceBuffer: Buffer.alloc(12), ssrc: 1, sequence: 0, timestamp: 0, nonce: 0, packetsPlayed: 0, speaking: false, connectedClients: new Set<string>() },
      },
      destroy: () => undefined,
    });
    connection.state = { status: VoiceConnectionStatus.Ready, adapter: Reflect.get(connection.state, 'adapter'), networking } as unknown as VoiceConnectionState;
    for (const userId of [ALICE, BOB]) ws.emit('packet', { op: SPEAKING_OPCODE, d: { user_id: userId, ssrc: SSRC[userId], speaking: 1 } });

    published = [];
    metricsService = new MetricsService('discord-connector', 'test');
    const metrics = new BotsMetrics(metricsService);
    const subscription = { unsubscribe: () => undefined };
    const bus = { publishFrame: (_subject: string, _payload: Uint8Array, meta: FrameMeta) => published.push(meta), subscribeFrames: () => subscription, subscribeJson: () => subscription } as unknown as Bus;
    const client = Object.assign(new EventEmitter(), { user: { id: BOT }, guilds: { cache: new Map() }, users: { cache: new Map() } }) as unknown as Client<true>;
    watchConnectionErrors(connection, { countDecryptionFailure: () => metrics.count(AGENT, 'decryption_failures'), logger, guildId: GUILD });
    sut = new DiscordConversation({
      bus,
      facts: { delivered: async () => true },
      metrics,
      logger,
      pipeline: { sessionId: SESSION, release: async () => undefined } as unknown as PipelineSession,
      agentId: AGENT,
      client,
      connection,
      guildId: GUILD,
      channelId: CHANNEL,
      endSession: async () => undefined,
    });
  });

  afterEach(async () => {
    await sut.close('test');
    connection.destroy();
  });

  const counter = async (name: string): Promise<number> => (await metricsService.registry.getSingleMetric(name)?.get())?.values.find((value) => value.labels['agent'] === AGENT)?.value ?? 0;
  const speak = async (userId: string, packets: number, corrupt = false) => {
    for (let i = 0; i < packets; i++) {
      udp.emit('message', rtp.packet(userId, opus[i % opus.length] as Buffer, corrupt));
      await tick();
    }
  };
  const heard = (userId: string) => published.filter((meta) => meta.speakerId === userId).length;
  /** What Networking does on DAVE opcode 21 (prepare) and 22 (execute): the session first, then `transitioned`. */
  const transition = (transitionId: number) => {
    dave.prepareTransition({ transition_id: transitionId, protocol_version: 1 });
    if (transitionId === 0) connection.emit('transitioned', 0);
    else if (dave.executeTransition(transitionId)) connection.emit('transitioned', transitionId);
  };

  it('re-initialises a DAVE session the library gave up on at transition id 0 and hears the speaker again in the same session', async () => {
    transition(0);
    await speak(ALICE, 5);
    const before = heard(ALICE);
    expect(before).toBeGreaterThan(0);

    mls.failing = true;
    await speak(ALICE, DAVE_TOLERANCE + 1); // the last one is past the tolerance: DAVESession throws, the receiver destroys the stream

    expect(invalidated).toEqual([0]); // opcode 31 for transition 0, then a fresh key package
    expect(mls.reinits).toBe(1);
    expect(dave.reinitializing).toBe(true);
    expect(daveGaveUp(dave)).toBe(false);
    expect(await counter('discord_voice_decryption_failures_total')).toBe(1);
    expect(await counter('discord_voice_resubscribes_total')).toBe(1);
    expect(connection.receiver.subscriptions.has(ALICE)).toBe(true);

    // While the group re-forms, failures are the library's to drop: no more destroyed streams.
    await speak(ALICE, DAVE_TOLERANCE * 2);
    expect(await counter('discord_voice_decryption_failures_total')).toBe(1);

    mls.failing = false;
    transition(0); // the voice server re-adds us
    await speak(ALICE, 5);

    expect(dave.reinitializing).toBe(false);
    expect(heard(ALICE)).toBeGreaterThan(before);
    expect(sut.sessionId).toBe(SESSION);
    expect(sut.speakers()).toContain(ALICE);
  });

  it.each([0, 5])('after a DAVE transition (id %i) every speaker is heard, a stream given up on included', async (transitionId) => {
    await speak(ALICE, 3);
    await speak(BOB, 3);
    const aliceStream = connection.receiver.subscriptions.get(ALICE);
    // Bob's stream keeps failing (transport): 5 immediate re-subscriptions, then the listener waits.
    await speak(BOB, 6, true);
    expect(connection.receiver.subscriptions.has(BOB)).toBe(false);
    const bobBefore = heard(BOB);

    transition(transitionId);
    await speak(BOB, 5);
    await speak(ALICE, 3);

    expect(dave.lastTransitionId).toBe(transitionId);
    expect(connection.receiver.subscriptions.get(ALICE)).toBe(aliceStream);
    expect(heard(BOB)).toBeGreaterThan(bobBefore);
    expect(await counter('discord_voice_resubscribes_total')).toBe(6);
    expect(sut.sessionId).toBe(SESSION);
  });

  it('logs and counts a DAVE error on the connection without crashing, and the conversation goes on', async () => {
    await speak(ALICE, 3);
    const before = heard(ALICE);

    expect(() => connection.emit('error', new Error('MLS commit errored: DecryptionFailed(UnencryptedWhenPassthroughDisabled)'))).not.toThrow();
    expect(() => connection.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:443'))).not.toThrow();
    await speak(ALICE, 3);

    expect(await counter('discord_voice_decryption_failures_total')).toBe(1); // the DAVE one only
    expect(heard(ALICE)).toBeGreaterThan(before);
    expect(sut.sessionId).toBe(SESSION);
  });
});

describe(isDaveError.name, () => {
  it('tells DAVE errors from transport and socket errors', () => {
    expect(isDaveError(new Error('DecryptionFailed(NoValidCryptorFound)'))).toBe(true);
    expect(isDaveError(new Error('No session available for DAVE'))).toBe(true);
    expect(isDaveError(new Error('read ECONNRESET'))).toBe(false);
    expect(isDaveError('DecryptionFailed')).toBe(false);
  });
});
