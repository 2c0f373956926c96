import { once } from 'node:events';
import { Readable } from 'node:stream';
import {
  AudioPlayerStatus,
  createAudioPlayer,
  createAudioResource,
  EndBehaviorType,
  entersState,
  getVoiceConnection,
  getVoiceConnections,
  joinVoiceChannel,
  NoSubscriberBehavior,
  StreamType,
  VoiceConnectionStatus,
  type VoiceConnection,
} from '@discordjs/voice';
import { Client, Events, GatewayIntentBits, type ChatInputCommandInteraction } from 'discord.js';
import { WebSocket } from 'ws';
import { expectEventually } from '../../expect-eventually';
import { FakeDiscordControlClient } from './control';
import { FakeDiscord } from './fake-discord';
import { decodeOpusPackets, dominantFrequencyHz, encodePcmToOpus, pcmRms, sinePcm } from './opus';

const TOKEN = 'fake-bot-token-1';
const GUILD = '100000000000000001';
const TEXT = '100000000000000010';
const VOICE = '100000000000000020';
const OTHER_VOICE = '100000000000000021';
const ALICE = '200000000000000001';
const BOB = '200000000000000002';

function present<T>(value: T | null | undefined): T {
  if (value === undefined || value === null) throw new Error('expected a value');
  return value;
}

async function startFake(): Promise<FakeDiscord> {
  return FakeDiscord.start({
    bots: [{ token: TOKEN, userId: '300000000000000001', username: 'agent-bot' }],
    users: [
      { id: ALICE, username: 'alice', globalName: 'Alice' },
      { id: BOB, username: 'bob', globalName: 'Bob' },
    ],
    guilds: [
      {
        id: GUILD,
        name: 'Fake guild',
        memberIds: [ALICE, BOB],
        channels: [
          { id: TEXT, name: 'general', kind: 'text' },
          { id: VOICE, name: 'Voice', kind: 'voice' },
          { id: OTHER_VOICE, name: 'Other voice', kind: 'voice' },
        ],
      },
    ],
  });
}

function newClient(fake: FakeDiscord): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates],
    rest: { api: fake.restApiUrl },
  });
}

async function login(client: Client, token = TOKEN): Promise<void> {
  const ready = once(client, Events.ClientReady);
  await client.login(token);
  await ready;
}

async function join(client: Client, channelId = VOICE): Promise<VoiceConnection> {
  const guild = present(client.guilds.cache.get(GUILD));
  const connection = joinVoiceChannel({ guildId: GUILD, channelId, adapterCreator: guild.voiceAdapterCreator, selfDeaf: false });
  await entersState(connection, VoiceConnectionStatus.Ready, 10_000);
  return connection;
}

describe(FakeDiscord.name, () => {
  let sut: FakeDiscord;
  let client: Client;

  beforeEach(async () => {
    sut = await startFake();
    client = newClient(sut);
  });

  afterEach(async () => {
    // @discordjs/voice keeps connections in a process-wide registry: end them before the fake goes.
    for (const connection of getVoiceConnections().values()) connection.destroy();
    await client.destroy();
    await sut.stop();
  });

  describe('gateway and REST', () => {
    it('logs a real discord.js client in: gateway URL from GET /gateway/bot, READY, then GUILD_CREATE with channels and members', async () => {
      sut.joinVoice(ALICE, GUILD, VOICE);

      await login(client);

      expect(client.user?.id).toBe(sut.bot().userId);
      const guild = present(client.guilds.cache.get(GUILD));
      expect(guild.name).toBe('Fake guild');
      expect(guild.channels.cache.get(VOICE)?.isVoiceBased()).toBe(true);
      expect(guild.members.cache.get(ALICE)?.displayName).toBe('Alice');
      expect(guild.voiceStates.cache.get(ALICE)?.channelId).toBe(VOICE);
      expect(sut.rest.requests.find((r) => r.path === '/gateway/bot')).toMatchObject({ method: 'GET', status: 200, botUserId: sut.bot().userId });
      expect(sut.gateway.received.find((m) => m.op === 2)?.d).toMatchObject({ token: '<redacted>', intents: expect.any(Number) });
    });

    it('refuses an unknown token: 401 on REST, so login fails with TokenInvalid', async () => {
      await expect(client.login('not-a-bot-token')).rejects.toThrow(/token/i);
      expect(sut.rest.requests.at(-1)).toMatchObject({ path: '/gateway/bot', status: 401, botUserId: undefined });
    });

    it('closes a gateway IDENTIFY with an unknown token with 4004 after HELLO', async () => {
      const socket = new WebSocket(`${sut.gatewayUrl}?v=10&encoding=json`);
      const closed = once(socket, 'close') as Promise<[number, Buffer]>;
      const [hello] = (await once(socket, 'message')) as [Buffer];
      expect(JSON.parse(hello.toString())).toMatchObject({ op: 10, d: { heartbeat_interval: expect.any(Number) } });

      socket.send(JSON.stringify({ op: 2, d: { token: 'not-a-bot-token', intents: 1, properties: { os: 'linux', browser: 'test', device: 'test' } } }));

      const [code] = await closed;
      expect(code).toBe(4004);
      expect(sut.gateway.serverCloses).toContainEqual({ botUserId: undefined, code: 4004 });
      expect(sut.gateway.received.find((m) => m.op === 2)?.d).toMatchObject({ token: '<redacted>' });
    });

    it('registers slash commands and records the reply to an interaction', async () => {
      await login(client);
      client.on(Events.InteractionCreate, (interaction) => {
        if (!interaction.isChatInputCommand()) return;
        const chat = interaction as ChatInputCommandInteraction;
        void chat.reply({ content: `${chat.commandName} ${chat.options.getSubcommand()} by ${chat.user.username}` });
      });

      await present(client.application).commands.set([
        { name: 'voice', description: 'Voice', options: [{ type: 1, name: 'join', description: 'Join' }, { type: 1, name: 'leave', description: 'Leave' }] },
      ]);
      await present(client.guilds.cache.get(GUILD)).commands.set([{ name: 'agent', description: 'Agent', options: [{ type: 1, name: 'list', description: 'List' }] }]);
      const interaction = sut.slashCommand({ guildId: GUILD, channelId: TEXT, userId: ALICE, name: 'voice', subcommand: 'join' });

      expect(sut.rest.registeredCommands(sut.bot().applicationId).map((c) => c.name)).toEqual(['voice']);
      expect(sut.rest.registeredCommands(sut.bot().applicationId, GUILD).map((c) => c.name)).toEqual(['agent']);
      const response = await expectEventually(() => {
        expect(interaction.responses).toHaveLength(1);
        return interaction.responses[0];
      });
      expect(response).toMatchObject({ kind: 'callback', callbackType: 4, content: 'voice join by alice' });
    });

    it('a dropped gateway connection is resumed and the events missed meanwhile are replayed', async () => {
      await login(client);
      const session = present(sut.gateway.currentSession(sut.bot().userId));

      sut.dropGateway();
      sut.joinVoice(BOB, GUILD, OTHER_VOICE);

      await expectEventually(() => expect(session.resumes).toBe(1), { timeoutMs: 15_000 });
      await expectEventually(() => expect(client.guilds.cache.get(GUILD)?.voiceStates.cache.get(BOB)?.channelId).toBe(OTHER_VOICE));
      expect(sut.gateway.sessions).toHaveLength(1);
    });
  });

  describe('voice', () => {
    beforeEach(async () => {
      await login(client);
    });

    it('@discordjs/voice reaches Ready: op 4 → VOICE_STATE_UPDATE + VOICE_SERVER_UPDATE, voice IDENTIFY, UDP discovery, AES-GCM, DAVE off', async () => {
      sut.joinVoice(ALICE, GUILD, VOICE);

      const connection = await join(client);

      const fakeSide = present(sut.voiceConnection(GUILD));
      expect(fakeSide).toMatchObject({ state: 'ready', mode: 'aead_aes256_gcm_rtpsize', channelId: VOICE, maxDaveProtocolVersion: 1 });
      expect(sut.voiceStateOf(GUILD, sut.bot().userId)?.channelId).toBe(VOICE);
      connection.destroy();
      await expectEventually(() => expect(sut.voiceStateOf(GUILD, sut.bot().userId)).toBeUndefined());
    });

    it('the bot plays PCM; the fake user hears the Opus packets in order and decodes the tone', async () => {
      sut.joinVoice(ALICE, GUILD, VOICE);
      const connection = await join(client);
      const player = createAudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Play } });
      connection.subscribe(player);
      const pcm = sinePcm({ frequencyHz: 440, durationMs: 1_000 });

      player.play(createAudioResource(Readable.from([pcm]), { inputType: StreamType.Raw }));
      await entersState(player, AudioPlayerStatus.Playing, 5_000);
      await entersState(player, AudioPlayerStatus.Idle, 10_000);

      const fakeSide = present(sut.voiceConnection(GUILD));
      await expectEventually(() => expect(fakeSide.fromBot.filter((p) => p.silence).length).toBeGreaterThanOrEqual(1));
      const heard = fakeSide.fromBot.filter((p) => !p.silence);
      expect(heard).toHaveLength(50);
      const sequences = heard.map((p) => p.sequence);
      expect(sequences).toEqual(sequences.map((_, i) => ((sequences[0] ?? 0) + i) & 0xffff));
      expect(fakeSide.decryptFailures).toBe(0);
      const decoded = decodeOpusPackets(heard.map((p) => p.opus));
      expect(Math.abs(dominantFrequencyHz(decoded.subarray(3840 * 5)) - 440)).toBeLessThan(20);
      expect(fakeSide.speakingFromBot[0]).toMatchObject({ speaking: 1, ssrc: fakeSide.ssrc });
    });

    it('a fake user speaks; receiver.subscribe(userId) gets the Opus packets, which decode to the tone', async () => {
      sut.joinVoice(ALICE, GUILD, VOICE);
      const connection = await join(client);
      const received: Buffer[] = [];
      const stream = connection.receiver.subscribe(ALICE, { end: { behavior: EndBehaviorType.Manual } });
      stream.on('data', (packet: Buffer) => received.push(packet));
      const frames = encodePcmToOpus(sinePcm({ frequencyHz: 660, durationMs: 600 }));

      const [result] = await sut.speak(ALICE, GUILD, { opus: frames }, { frameIntervalMs: 0 });

      await expectEventually(() => expect(received).toHaveLength(frames.length));
      expect(received).toEqual(frames);
      expect(result).toMatchObject({ userId: ALICE, droppedFrames: 0, corruptedFrames: 0 });
      expect(connection.receiver.ssrcMap.get(ALICE)?.audioSSRC).toBe(result?.ssrc);
      const decoded = decodeOpusPackets(received);
      expect(Math.abs(dominantFrequencyHz(decoded.subarray(3840 * 5)) - 660)).toBeLessThan(20);
    });

    it('packet loss and gaps: the dropped frames never arrive, the rest arrive in order', async () => {
      sut.joinVoice(ALICE, GUILD, VOICE);
      const connection = await join(client);
      const received: Buffer[] = [];
      connection.receiver.subscribe(ALICE, { end: { behavior: EndBehaviorType.Manual } }).on('data', (p: Buffer) => received.push(p));
      const frames = encodePcmToOpus(sinePcm({ frequencyHz: 300, durationMs: 400 }));

      const [result] = await sut.speak(ALICE, GUILD, { opus: frames }, { frameIntervalMs: 0, drop: [3, 4], gaps: [{ afterFrame: 10, ms: 200 }] });

      const expected = frames.filter((_, i) => i !== 3 && i !== 4);
      await expectEventually(() => expect(received).toHaveLength(expected.length));
      expect(received).toEqual(expected);
      expect(result?.droppedFrames).toBe(2);
      expect(result?.sentSequences[3]).toBe(((result?.sentSequences[2] ?? 0) + 3) & 0xffff);
    });

    it('a corrupted packet destroys that user stream in @discordjs/voice 0.19.2; the connection lives and a new subscription hears what follows', async () => {
      sut.joinVoice(ALICE, GUILD, VOICE);
      const connection = await join(client);
      const first = connection.receiver.subscribe(ALICE, { end: { behavior: EndBehaviorType.Manual } });
      const firstPackets: Buffer[] = [];
      first.on('data', (p: Buffer) => firstPackets.push(p));
      const errors: Error[] = [];
      first.on('error', (error) => errors.push(error));
      const frames = encodePcmToOpus(sinePcm({ frequencyHz: 500, durationMs: 200 }));

      await sut.speak(ALICE, GUILD, { opus: frames }, { frameIntervalMs: 0, corrupt: [2] });

      await expectEventually(() => expect(errors).toHaveLength(1));
      expect(firstPackets).toEqual(frames.slice(0, 2));
      const second = connection.receiver.subscribe(ALICE, { end: { behavior: EndBehaviorType.Manual } });
      expect(second).not.toBe(first);
      const secondPackets: Buffer[] = [];
      second.on('data', (p: Buffer) => secondPackets.push(p));
      await sut.speak(ALICE, GUILD, { opus: frames }, { frameIntervalMs: 0 });
      await expectEventually(() => expect(secondPackets).toEqual(frames));
      expect(connection.state.status).toBe(VoiceConnectionStatus.Ready);
    });

    it('a real-time utterance ends the AfterSilence stream once the fake user stops', async () => {
      sut.joinVoice(BOB, GUILD, VOICE);
      const connection = await join(client);
      // A generous silence, so a busy machine pausing the sender does not end the stream early.
      const stream = connection.receiver.subscribe(BOB, { end: { behavior: EndBehaviorType.AfterSilence, duration: 1_000 } });
      const packets: Buffer[] = [];
      stream.on('data', (p: Buffer) => packets.push(p));
      const ended = once(stream, 'end');

      await sut.speak(BOB, GUILD, { pcm: sinePcm({ frequencyHz: 200, durationMs: 300 }) });

      await ended;
      expect(packets).toHaveLength(15);
      expect(pcmRms(decodeOpusPackets(packets))).toBeGreaterThan(0.1);
    });
  });

  describe('several speakers and several bots', () => {
    it('two people speak at once: each subscription gets only its own speaker, in order', async () => {
      await login(client);
      sut.joinVoice(ALICE, GUILD, VOICE);
      sut.joinVoice(BOB, GUILD, VOICE);
      const connection = await join(client);
      const heard = new Map<string, Buffer[]>([[ALICE, []], [BOB, []]]);
      for (const [userId, packets] of heard) connection.receiver.subscribe(userId, { end: { behavior: EndBehaviorType.Manual } }).on('data', (p: Buffer) => packets.push(p));
      const aliceFrames = encodePcmToOpus(sinePcm({ frequencyHz: 300, durationMs: 400 }));
      const bobFrames = encodePcmToOpus(sinePcm({ frequencyHz: 800, durationMs: 300 }));

      await Promise.all([sut.speak(ALICE, GUILD, { opus: aliceFrames }), sut.speak(BOB, GUILD, { opus: bobFrames })]);

      await expectEventually(() => {
        expect(heard.get(ALICE)).toEqual(aliceFrames);
        expect(heard.get(BOB)).toEqual(bobFrames);
      });
    });

    it('two bots (one per agent) join the same guild with their own @discordjs/voice group', async () => {
      const second = sut.addBot({ token: 'fake-bot-token-2', userId: '300000000000000002', username: 'second-bot' });
      const secondClient = newClient(sut);
      try {
        await login(client);
        await login(secondClient, 'fake-bot-token-2');
        const first = joinVoiceChannel({ guildId: GUILD, channelId: VOICE, adapterCreator: present(client.guilds.cache.get(GUILD)).voiceAdapterCreator, group: 'agent-1' });
        const other = joinVoiceChannel({ guildId: GUILD, channelId: OTHER_VOICE, adapterCreator: present(secondClient.guilds.cache.get(GUILD)).voiceAdapterCreator, group: 'agent-2' });

        await Promise.all([entersState(first, VoiceConnectionStatus.Ready, 10_000), entersState(other, VoiceConnectionStatus.Ready, 10_000)]);

        expect(sut.voiceConnection(GUILD, sut.bot(TOKEN).userId)?.channelId).toBe(VOICE);
        expect(sut.voiceConnection(GUILD, second.userId)?.channelId).toBe(OTHER_VOICE);
        expect(present(secondClient.guilds.cache.get(GUILD)).voiceStates.cache.get(sut.bot(TOKEN).userId)?.channelId).toBe(VOICE);
      } finally {
        for (const group of ['agent-1', 'agent-2']) getVoiceConnection(GUILD, group)?.destroy();
        await secondClient.destroy();
      }
    });

    it('a scripted REST failure reaches the bot as a DiscordAPIError', async () => {
      await login(client);
      sut.rest.fail({ method: 'PUT', path: /\/commands$/, status: 400, body: { message: 'Invalid Form Body', code: 50035 } });

      await expect(present(client.application).commands.set([{ name: 'voice', description: 'Voice' }])).rejects.toMatchObject({ status: 400, code: 50035 });
      expect(sut.rest.registeredCommands(sut.bot().applicationId)).toEqual([]);
    });
  });

  describe('control paths (a harness in another process)', () => {
    it('joins a person, makes them speak and runs a slash command over HTTP; a bad body is a 400 naming the fields', async () => {
      const control = new FakeDiscordControlClient(sut.origin);
      await login(client);
      client.on(Events.InteractionCreate, (interaction) => {
        if (interaction.isChatInputCommand()) void interaction.reply({ content: 'pong' });
      });
      await control.joinVoice(ALICE, GUILD, VOICE);
      const connection = await join(client);
      const packets: Buffer[] = [];
      connection.receiver.subscribe(ALICE, { end: { behavior: EndBehaviorType.Manual } }).on('data', (p: Buffer) => packets.push(p));

      const [result] = await control.speak({ userId: ALICE, guildId: GUILD, tone: { frequencyHz: 440, durationMs: 200 }, options: { frameIntervalMs: 0 } });
      const { id } = await control.slashCommand({ guildId: GUILD, channelId: TEXT, userId: ALICE, name: 'ping' });

      expect(result?.sentSequences).toHaveLength(10);
      await expectEventually(() => expect(packets).toHaveLength(10));
      await expectEventually(async () => {
        const record = await control.record<{ interactions: { id: string; responses: { content?: string }[] }[] }>();
        expect(record.interactions.find((i) => i.id === id)?.responses[0]?.content).toBe('pong');
      });
      await expect(control.joinVoice(ALICE, GUILD, '')).rejects.toThrow(/400.*channelId/);
      await expect(control.speak({ userId: BOB, guildId: GUILD, tone: { frequencyHz: 440, durationMs: 100 } })).rejects.toThrow(/409.*not in a voice channel/);
    });
  });

  describe('voice faults', () => {
    beforeEach(async () => {
      await login(client);
      sut.joinVoice(ALICE, GUILD, VOICE);
    });

    it('close 4015 → the bot resumes the voice WebSocket and receives again', async () => {
      const connection = await join(client);
      const fakeSide = present(sut.voiceConnection(GUILD));

      sut.closeVoice(GUILD, 4015);

      await expectEventually(() => expect(fakeSide.resumes).toBe(1));
      const packets: Buffer[] = [];
      connection.receiver.subscribe(ALICE, { end: { behavior: EndBehaviorType.Manual } }).on('data', (p: Buffer) => packets.push(p));
      const frames = encodePcmToOpus(sinePcm({ frequencyHz: 400, durationMs: 100 }));
      await sut.speak(ALICE, GUILD, { opus: frames }, { frameIntervalMs: 0 });
      await expectEventually(() => expect(packets).toEqual(frames));
    });

    it('close 4006 → the bot rejoins through the gateway (new op 4, new voice IDENTIFY) and reaches Ready again', async () => {
      const connection = await join(client);
      const before = present(sut.voiceConnection(GUILD));

      sut.closeVoice(GUILD, 4006);

      const after = await expectEventually(() => {
        const current = sut.voiceConnection(GUILD);
        expect(current?.state).toBe('ready');
        return present(current);
      });
      expect(after).not.toBe(before);
      expect(before.state).toBe('closed');
      expect(sut.voiceConnections(GUILD)).toEqual([before, after]);
      await entersState(connection, VoiceConnectionStatus.Ready, 10_000);
      expect(sut.gateway.received.filter((m) => m.op === 4)).toHaveLength(2);
    });

    it('close 4014 → @discordjs/voice stops at Disconnected with the close code; the bot decides', async () => {
      const connection = await join(client);

      sut.closeVoice(GUILD, 4014);

      await entersState(connection, VoiceConnectionStatus.Disconnected, 5_000);
      expect(connection.state).toMatchObject({ status: VoiceConnectionStatus.Disconnected, closeCode: 4014 });
      expect(sut.gateway.received.filter((m) => m.op === 4)).toHaveLength(1);
    });

    it('a voice server move → the bot connects to the new server and plays there', async () => {
      const connection = await join(client);
      const first = sut.voiceServers[0];

      const moved = await sut.moveVoiceServer(GUILD);

      await expectEventually(() => expect(moved.connectionOf(GUILD, sut.bot().userId)?.state).toBe('ready'), { timeoutMs: 10_000 });
      expect(moved).not.toBe(first);
      await entersState(connection, VoiceConnectionStatus.Ready, 10_000);
      const player = createAudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Play } });
      connection.subscribe(player);
      player.play(createAudioResource(Readable.from([sinePcm({ frequencyHz: 440, durationMs: 200 })]), { inputType: StreamType.Raw }));
      await expectEventually(() => expect(moved.connectionOf(GUILD, sut.bot().userId)?.heardOpus()).toHaveLength(10), { timeoutMs: 10_000 });
    });

    it('the DAVE seam: a prepare-transition op with transition id 0 reaches the bot and it emits transitioned', async () => {
      const connection = await join(client);
      const networking = present((connection.state as { networking?: NodeJS.EventEmitter }).networking);
      const transitioned = once(networking, 'transitioned');

      sut.sendVoiceOp(GUILD, 21, { transition_id: 0, protocol_version: 0 });

      await expect(transitioned).resolves.toEqual([0]);
    });
  });
});
