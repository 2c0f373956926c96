import { Bus, type BusSubscription } from '@voxbridge/bus';
import {
  DiscordContracts,
  MediaHeaders,
  queueGroup,
  SessionContracts,
  streamName,
  DEAD_LETTER_DOMAIN,
  type AgentDto,
  type DiscordBotConfig,
  type MessageDto,
  type TranscriptEvent,
  type TurnEvent,
} from '@voxbridge/contracts';
import { encryptField, generateEncryptionKey, parseEncryptionKey } from '@voxbridge/plugin-sdk';
import { bootService, FakeAgentDirectory, type RunningService } from '@voxbridge/service-testing';
import {
  decodeOpusPackets,
  dominantFrequencyHz,
  expectEventually,
  FakeChatterboxServer,
  FakeDiscord,
  FakeOpenAiCompatibleServer,
  FakeWhisperXServer,
  createTestDatabase,
  dropDatabase,
  sinePcm,
  SubjectTap,
  testInfra,
  uniqueNamespace,
  PCM_FRAME_BYTES,
} from '@voxbridge/testing';
import { AppModule } from '../src/app.module';
import { DiscordConnectorEnv } from '../src/config/discord-connector.env';
import { migrateAll, startServiceProcess, type ServiceProcess } from './support/service-processes';

const TOKEN = 'fake-discord-voice-bot-token';
const BOT_USER = '300000000000000011';
const GUILD = '100000000000000101';
const VOICE = '100000000000000120';
const ALICE = '200000000000000011';
const BOB = '200000000000000012';
const CAROL = '200000000000000013';

/** The answer of every turn but the barge-in's: two sentences, spoken in two pitches (see the TTS script). */
const SHORT_REPLY = ['First', ' part', ' here.', ' Second', ' part', ' now.'];
const LONG_REPLY = 'This answer goes on and on. It has many sentences to speak. Each one takes a while to say. Nobody should hear all of it. It ends much later than this.'.split(/(?=\s)/);
const LOW_HZ = 400;
const HIGH_HZ = 1_000;

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** A person's utterance: a tone loud enough for voice detection, as 48 kHz stereo PCM. */
const utterance = (durationMs: number, frequencyHz = 300) => ({ pcm: sinePcm({ frequencyHz, durationMs, amplitude: 0.3 }) });

/**
 * The Discord voice path end to end: discord-connector (in process) against the fake Discord,
 * with session-store, stt-gateway, llm-router and tts-gateway as processes started from their
 * sources, on real NATS and a database of the test's own, their providers the fake WhisperX,
 * OpenRouter and Chatterbox servers. agent-api is stood in for by the agent directory and the bot list. People speak
 * Opus into the channel in real time; what the bot plays is recorded by the fake.
 */
describe('discord voice conversations (fake Discord, real pipeline)', () => {
  const infra = testInfra();
  const namespace = uniqueNamespace('dvoice');
  const keyText = generateEncryptionKey();
  let agent: AgentDto;
  let fake: FakeDiscord;
  let whisperx: FakeWhisperXServer;
  let llm: FakeOpenAiCompatibleServer;
  let tts: FakeChatterboxServer;
  let bus: Bus;
  let directory: FakeAgentDirectory;
  let botList: BusSubscription;
  let databaseUrl: string;
  let connector: RunningService;
  const pipeline: ServiceProcess[] = [];
  const taps: SubjectTap[] = [];

  const status = () => bus.call(DiscordContracts.status, { agent_id: agent.id });
  const messages = async (sessionId: string) => (await bus.call(SessionContracts.listMessages, { session_id: sessionId })).items;
  const heard = () =>
    fake
      .heardInChannel(GUILD, VOICE)
      .filter((packet) => !packet.silence)
      .map((packet) => packet.opus);
  const metric = async (name: string) => {
    const text = await (await fetch(`${connector.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`agent="${agent.id}"`));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  /** The channel's session, once the bot sits in the channel with its conversation open. */
  const channelSession = async () =>
    expectEventually(
      async () => {
        const [connection] = (await status()).connections;
        expect(connection).toMatchObject({ channel_id: VOICE, state: 'ready', session_id: expect.any(String) });
        return connection?.session_id as string;
      },
      { timeoutMs: 15_000 },
    );
  const tapOf = async (sessionId: string) => {
    const tap = await SubjectTap.start(infra.natsUrl, namespace, sessionId);
    taps.push(tap);
    return tap;
  };
  const turnsOf = (tap: SubjectTap, state: TurnEvent['state']) =>
    tap
      .on('turn')
      .map((record) => record.json as TurnEvent)
      .filter((event) => event.state === state);
  const finalsOf = (tap: SubjectTap) =>
    tap
      .on('transcript')
      .map((record) => record.json as TranscriptEvent)
      .filter((event) => event.kind === 'final');

  beforeAll(async () => {
    databaseUrl = await createTestDatabase(infra.serverUrl, 'vb_discord_voice');
    await migrateAll(databaseUrl);
    fake = await FakeDiscord.start({
      bots: [{ token: TOKEN, userId: BOT_USER, username: 'voice-bot' }],
      users: [
        { id: ALICE, username: 'alice', globalName: 'Alice' },
        { id: BOB, username: 'bob', globalName: 'Bob' },
        { id: CAROL, username: 'carol', globalName: 'Carol' },
      ],
      guilds: [{ id: GUILD, name: 'Voice guild', memberIds: [ALICE, BOB, CAROL], channels: [{ id: VOICE, name: 'Lounge', kind: 'voice' }] }],
    });
    whisperx = await FakeWhisperXServer.start({ transcripts: ['What time is it?'], finalLatencyMs: 50 });
    llm = await FakeOpenAiCompatibleServer.start();
    llm.script({ tokens: SHORT_REPLY, ttftMs: 50 });
    tts = await FakeChatterboxServer.start({
      script: (request) => ({ ttfbMs: 20, tone: { frequencyHz: (request.fields['input'] ?? '').includes('Second') ? HIGH_HZ : LOW_HZ, msPerChar: 50 } }),
    });

    bus = await Bus.connect({ servers: infra.natsUrl, namespace, name: 'discord-voice-test', logger: quiet });
    directory = new FakeAgentDirectory(bus);
    agent = directory.add({ name: 'Lounge agent', stt_provider: 'whisperx', llm_provider: 'openrouter', llm_model: 'fake/model', tts_provider: 'chatterbox', silence_ms: 700 });
    const sealed = encryptField(TOKEN, parseEncryptionKey(keyText), { agentId: agent.id, pluginType: 'discord', field: 'bot_token' });
    const bots: DiscordBotConfig[] = [
      { agent_id: agent.id, agent_name: agent.name, updated_at: new Date().toISOString(), bot_token: sealed, guild_ids: [GUILD], channel_ids: [VOICE], auto_join: true },
    ];
    botList = bus.serve(DiscordContracts.bots, (req) => ({ bots: bots.filter((bot) => !req.agent_id || bot.agent_id === req.agent_id) }), {
      queue: queueGroup(namespace, 'agent-api'),
    });

    const common = { NATS_URL: infra.natsUrl, VOXBRIDGE_NAMESPACE: namespace };
    const withDb = { ...common, DATABASE_URL: databaseUrl };
    pipeline.push(
      ...(await Promise.all([
        startServiceProcess('session-store', withDb),
        startServiceProcess('stt-gateway', { ...common, WHISPERX_URL: whisperx.url }),
        startServiceProcess('llm-router', { ...withDb, OPENROUTER_API_KEY: 'fake-key', OPENROUTER_BASE_URL: llm.url }),
        startServiceProcess('tts-gateway', { ...common, CHATTERBOX_URL: tts.url }),
      ])),
    );
    connector = await bootService(
      { service: 'discord-connector', env: DiscordConnectorEnv, module: (config, logger) => AppModule.register(config, logger) },
      { ...withDb, VOXBRIDGE_ENCRYPTION_KEY: keyText, DISCORD_API_URL: fake.restApiUrl, DISCORD_LEASE_MS: '3000' },
    );
    await expectEventually(async () => expect((await status()).bot.state).toBe('logged_in'), { timeoutMs: 15_000 });
  }, 120_000);

  afterAll(async () => {
    for (const tap of taps) await tap.stop().catch(() => undefined);
    await connector?.close().catch(() => undefined);
    await Promise.all(pipeline.map((service) => service.stop()));
    botList?.unsubscribe();
    directory?.stop();
    const jsm = await bus?.connection.jetstreamManager();
    for (const domain of ['sessions', 'agents', DEAD_LETTER_DOMAIN, 'leases-discord']) {
      await jsm?.streams.delete(streamName(namespace, domain)).catch(() => false);
      await jsm?.streams.delete(`KV_${streamName(namespace, domain)}`).catch(() => false);
    }
    await bus?.drain();
    await Promise.all([fake?.stop(), whisperx?.stop(), llm?.close(), tts?.stop()]);
    if (databaseUrl) await dropDatabase(infra.serverUrl, databaseUrl);
  }, 30_000);

  it('joins when a person enters the allowed channel, with one discord session for the channel', async () => {
    fake.joinVoice(ALICE, GUILD, VOICE);

    const sessionId = await channelSession();
    const session = await bus.call(SessionContracts.get, { id: sessionId });
    expect(session).toMatchObject({ agent_id: agent.id, session_type: 'discord', active: true, session_metadata: { guild_id: GUILD, channel_id: VOICE, channel_name: 'Lounge' } });
  });

  it('hears a person (with lost packets and a gap), answers, and the channel hears the answer as Opus, sentence after sentence', async () => {
    const sessionId = await channelSession();
    const tap = await tapOf(sessionId);
    const heardBefore = heard().length;

    await fake.speak(ALICE, GUILD, utterance(1_200), { drop: [7, 8, 20], gaps: [{ afterFrame: 30, ms: 120 }] });

    const [final] = await tap.expectEventually(() => {
      const finals = finalsOf(tap);
      expect(finals).toHaveLength(1);
      return finals;
    }, { timeoutMs: 10_000 });
    expect(final).toMatchObject({ text: 'What time is it?', speaker_id: ALICE, speaker_name: 'Alice' });
    // Everything she said reached the pipeline as her 20 ms frames, silence in place of the lost packets.
    const frames = tap.on('audio.in');
    expect(frames.every((frame) => frame.sizeBytes === 640 && frame.headers[MediaHeaders.speakerId] === ALICE && frame.headers[MediaHeaders.speakerName] === 'Alice')).toBe(true);
    expect(frames.map((frame) => Number(frame.headers[MediaHeaders.sequence]))).toEqual(frames.map((_, i) => i));
    expect(frames.length).toBeGreaterThanOrEqual(60);

    const stored = await expectEventually(
      async () => {
        const found = await messages(sessionId);
        expect(found.map((m) => m.role)).toEqual(['user', 'assistant']);
        return found;
      },
      { timeoutMs: 15_000 },
    );
    expect(stored[0]).toMatchObject({ content: 'What time is it?' });
    expect(stored[1]).toMatchObject({ content: SHORT_REPLY.join(''), interrupted: false });

    const [done] = turnsOf(tap, 'done');
    const played = await expectEventually(() => {
      const packets = heard().slice(heardBefore);
      expect(packets.length).toBeGreaterThanOrEqual((done?.frames_played ?? 1) - 2);
      return packets;
    });
    // The two sentences in the order spoken: the first in the low pitch, the second in the high one.
    const pcm = decodeOpusPackets(played);
    const quarter = Math.floor(pcm.length / PCM_FRAME_BYTES / 4) * PCM_FRAME_BYTES;
    expect(Math.abs(dominantFrequencyHz(pcm.subarray(0, quarter)) - LOW_HZ)).toBeLessThan(60);
    expect(Math.abs(dominantFrequencyHz(pcm.subarray(pcm.length - quarter)) - HIGH_HZ)).toBeLessThan(60);
    expect(await metric('discord_voice_packets_in_total')).toBeGreaterThan(50);
    expect(await metric('discord_voice_packets_out_total')).toBeGreaterThan(0);
  });

  it('stops speaking at once when a second person talks over the agent; the stored reply is what was played', async () => {
    const sessionId = await channelSession();
    fake.joinVoice(BOB, GUILD, VOICE);
    const tap = await tapOf(sessionId);
    llm.script({ tokens: LONG_REPLY, ttftMs: 50, tokensPerSecond: 40 }, { tokens: SHORT_REPLY, ttftMs: 50 });
    const heardBefore = heard().length;

    await fake.speak(ALICE, GUILD, utterance(800));
    // The agent is well into its answer.
    await tap.expectEventually(() => expect(heard().length - heardBefore).toBeGreaterThan(40), { timeoutMs: 15_000 });
    await fake.speak(BOB, GUILD, utterance(800, 350));

    const interrupted = await tap.expectEventually(() => {
      const [event] = turnsOf(tap, 'interrupted');
      expect(typeof event?.heard_text).toBe('string');
      return event as TurnEvent;
    }, { timeoutMs: 10_000 });
    expect(LONG_REPLY.join('').startsWith(interrupted.heard_text ?? 'x')).toBe(true);
    expect((interrupted.heard_text ?? '').length).toBeLessThan(LONG_REPLY.join('').length);

    const stored = await expectEventually(
      async () => {
        const answer = (await messages(sessionId)).find((m) => m.turn_id === interrupted.turn_id && m.role === 'assistant');
        expect(answer?.turn_id).toBe(interrupted.turn_id);
        return answer as MessageDto;
      },
      { timeoutMs: 15_000 },
    );
    expect(stored).toMatchObject({ interrupted: true, content: interrupted.heard_text });
    // The channel heard about as much as tts-gateway counted as played, not the rest of the answer.
    const afterBargeIn = heard().length;
    // Bob's words are a turn of their own (answered with the short reply): wait for it, then compare.
    await tap.expectEventually(() => expect(turnsOf(tap, 'done').length).toBeGreaterThanOrEqual(1), { timeoutMs: 15_000 });
    expect(afterBargeIn - heardBefore).toBeLessThanOrEqual((interrupted.frames_played ?? 0) + 15);
    fake.leaveVoice(BOB, GUILD);
  });

  it('recovers a receive stream destroyed by a packet it cannot decrypt, in the same session', async () => {
    const sessionId = await channelSession();
    const tap = await tapOf(sessionId);
    const failuresBefore = await metric('discord_voice_decryption_failures_total');

    await fake.speak(ALICE, GUILD, utterance(1_000), { corrupt: [5] });

    await tap.expectEventually(() => expect(finalsOf(tap)).toMatchObject([{ speaker_id: ALICE }]), { timeoutMs: 10_000 });
    expect(await metric('discord_voice_decryption_failures_total')).toBeGreaterThan(failuresBefore);
    expect(await metric('discord_voice_resubscribes_total')).toBeGreaterThan(0);
    // Her audio after the broken packet arrived too: most of the second reached audio.in as speech.
    expect(tap.on('audio.in').length).toBeGreaterThanOrEqual(45);
    expect((await status()).connections[0]?.session_id).toBe(sessionId);
  });

  it('a DAVE transition with id 0 from the voice server re-arms a speaker whose stream was given up on, in the same session', async () => {
    // The fake negotiates DAVE off (protocol 0), yet @discordjs/voice keeps a DAVESession and runs
    // opcode 21 through it: this is the library's own `transitioned` event, over the voice WebSocket.
    const sessionId = await channelSession();
    const tap = await tapOf(sessionId);
    // Broken packets in a row while she talks: a few immediate re-subscriptions, then the listener waits.
    await fake.speak(ALICE, GUILD, utterance(600), { corrupt: [2, 4, 6, 8, 10, 12] });
    const resubscribes = await metric('discord_voice_resubscribes_total');

    fake.sendVoiceOp(GUILD, 21, { transition_id: 0, protocol_version: 0 });

    // Nobody speaks, yet she is subscribed again: the transition re-armed her.
    await expectEventually(async () => expect(await metric('discord_voice_resubscribes_total')).toBeGreaterThan(resubscribes), { timeoutMs: 5_000 });
    const framesBefore = tap.on('audio.in').length;
    await fake.speak(ALICE, GUILD, utterance(1_000));
    await tap.expectEventually(() => expect(tap.on('audio.in').length - framesBefore).toBeGreaterThanOrEqual(45), { timeoutMs: 10_000 });
    await tap.expectEventually(() => expect(finalsOf(tap).filter((final) => final.speaker_id === ALICE).length).toBeGreaterThanOrEqual(1), { timeoutMs: 10_000 });
    expect((await status()).connections[0]?.session_id).toBe(sessionId);
  });

  it('rejoins a dropped voice connection and goes on in the same session', async () => {
    const sessionId = await channelSession();
    fake.closeVoice(GUILD, 4006);
    await expectEventually(() => expect(fake.voiceConnections(GUILD).filter((c) => c.state === 'ready').length).toBeGreaterThanOrEqual(1), { timeoutMs: 10_000 });
    await channelSession();
    const tap = await tapOf(sessionId);

    await fake.speak(ALICE, GUILD, utterance(1_000));

    await tap.expectEventually(() => expect(turnsOf(tap, 'done')).toHaveLength(1), { timeoutMs: 15_000 });
    expect((await status()).connections[0]?.session_id).toBe(sessionId);
  });

  it('follows the voice server when Discord moves the guild, and the next utterance is answered in the same session', async () => {
    const sessionId = await channelSession();
    const storedBefore = (await messages(sessionId)).length;

    const moved = await fake.moveVoiceServer(GUILD);

    await expectEventually(() => expect(fake.voiceConnections(GUILD).filter((c) => c.server === moved && c.state === 'ready')).toHaveLength(1), { timeoutMs: 10_000 });
    await channelSession();
    const tap = await tapOf(sessionId);
    await fake.speak(ALICE, GUILD, utterance(1_000));

    await tap.expectEventually(() => expect(finalsOf(tap)).toMatchObject([{ speaker_id: ALICE }]), { timeoutMs: 10_000 });
    await tap.expectEventually(() => expect(turnsOf(tap, 'done')).toHaveLength(1), { timeoutMs: 15_000 });
    const stored = await expectEventually(
      async () => {
        const found = (await messages(sessionId)).slice(storedBefore);
        expect(found.map((m) => m.role)).toEqual(['user', 'assistant']);
        return found;
      },
      { timeoutMs: 15_000 },
    );
    expect(stored[0]).toMatchObject({ speaker_id: ALICE });
    expect((await status()).connections).toMatchObject([{ channel_id: VOICE, state: 'ready', session_id: sessionId }]);
  });

  it('resumes a dropped and a closed gateway connection, stays in the channel and goes on in the same session', async () => {
    const sessionId = await channelSession();
    const storedBefore = (await messages(sessionId)).length;
    const reconnectsBefore = await metric('discord_bot_reconnects_total');
    const resumes = () => fake.gateway.liveSessions(BOT_USER).reduce((sum, session) => sum + session.resumes, 0);
    const resumesBefore = resumes();

    fake.dropGateway(BOT_USER);
    await expectEventually(() => expect(resumes()).toBeGreaterThan(resumesBefore), { timeoutMs: 15_000 });
    fake.closeGateway(4000, BOT_USER);
    await expectEventually(() => expect(resumes()).toBeGreaterThan(resumesBefore + 1), { timeoutMs: 15_000 });

    expect(await metric('discord_bot_reconnects_total')).toBeGreaterThan(reconnectsBefore);
    await expectEventually(async () => expect(await status()).toMatchObject({ bot: { state: 'logged_in' }, connections: [{ channel_id: VOICE, state: 'ready', session_id: sessionId }] }), {
      timeoutMs: 10_000,
    });
    const tap = await tapOf(sessionId);
    await fake.speak(ALICE, GUILD, utterance(1_000));

    await tap.expectEventually(() => expect(turnsOf(tap, 'done')).toHaveLength(1), { timeoutMs: 15_000 });
    await expectEventually(async () => expect((await messages(sessionId)).slice(storedBefore).map((m) => m.role)).toEqual(['user', 'assistant']), { timeoutMs: 15_000 });
  });

  it('hears three people at once: one turn per utterance, each attributed to its speaker, answered in order', async () => {
    const sessionId = await channelSession();
    fake.joinVoice(BOB, GUILD, VOICE);
    fake.joinVoice(CAROL, GUILD, VOICE);
    const tap = await tapOf(sessionId);
    const storedBefore = (await messages(sessionId)).length;
    const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    // Overlapping utterances, with loss and a gap each: Bob starts while Alice talks, Carol while Bob does.
    await Promise.all([
      fake.speak(ALICE, GUILD, utterance(900, 250), { drop: [4], gaps: [{ afterFrame: 20, ms: 100 }] }),
      later(500).then(() => fake.speak(BOB, GUILD, utterance(900, 330), { drop: [10] })),
      later(1_000).then(() => fake.speak(CAROL, GUILD, utterance(900, 420), { gaps: [{ afterFrame: 10, ms: 80 }] })),
    ]);

    const finals = await tap.expectEventually(() => {
      const found = finalsOf(tap);
      expect(found).toHaveLength(3);
      return found;
    }, { timeoutMs: 15_000 });
    expect(finals.map((event) => event.speaker_id)).toEqual([ALICE, BOB, CAROL]);
    const done = await tap.expectEventually(() => {
      const found = turnsOf(tap, 'done');
      expect(found).toHaveLength(3);
      return found;
    }, { timeoutMs: 30_000 });
    expect(turnsOf(tap, 'interrupted')).toEqual([]);
    // Answered in the order they finished speaking.
    expect(done.map((event) => event.turn_id)).toEqual(finals.map((event) => event.utterance_id));

    const stored = await expectEventually(
      async () => {
        const found = (await messages(sessionId)).slice(storedBefore);
        expect(found.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
        return found;
      },
      { timeoutMs: 15_000 },
    );
    const speakers = stored.filter((m) => m.role === 'user').map((m) => m.speaker ?? '');
    expect(speakers).toEqual([expect.stringMatching(/Alice|200000000000000011/), expect.stringMatching(/Bob|200000000000000012/), expect.stringMatching(/Carol|200000000000000013/)]);
  });

  it('leaves when nobody is left and ends the session', async () => {
    const sessionId = await channelSession();
    for (const person of [BOB, CAROL, ALICE]) if (fake.voiceStateOf(GUILD, person)) fake.leaveVoice(person, GUILD);

    await expectEventually(async () => expect((await status()).connections).toEqual([]), { timeoutMs: 10_000 });
    await expectEventually(async () => expect((await bus.call(SessionContracts.get, { id: sessionId })).active).toBe(false));
  });

  it('a replica that takes the bot over from one that died rejoins the channel and goes on in the same session', async () => {
    // Two more replicas as processes (one can die for real); this one hands the bot over and goes.
    const replicaEnv = {
      NATS_URL: infra.natsUrl,
      VOXBRIDGE_NAMESPACE: namespace,
      DATABASE_URL: databaseUrl,
      VOXBRIDGE_ENCRYPTION_KEY: keyText,
      DISCORD_API_URL: fake.restApiUrl,
      DISCORD_LEASE_MS: '3000',
      NODE_EXTRA_CA_CERTS: fake.tls.certFile,
    };
    const replicas = await Promise.all([startServiceProcess('discord-connector', replicaEnv), startServiceProcess('discord-connector', replicaEnv)]);
    pipeline.push(...replicas);
    const gone = (await status()).instance_id;
    await connector.close();
    const loggedInHere = new RegExp(`^discord_bot_logged_in\\{[^}]*agent="${agent.id}"[^}]*\\} 1$`, 'm');
    const held = async (replica: ServiceProcess) => loggedInHere.test(await (await fetch(`${replica.baseUrl}/metrics`)).text());
    const owner = await expectEventually(
      async () => {
        const reply = await status();
        expect(reply).toMatchObject({ bot: { state: 'logged_in' } });
        expect(reply.instance_id).not.toBe(gone);
        const holders = [];
        for (const replica of replicas) if (await held(replica)) holders.push(replica);
        expect(holders).toHaveLength(1);
        return holders[0] as ServiceProcess;
      },
      { timeoutMs: 20_000 },
    );
    fake.joinVoice(ALICE, GUILD, VOICE);
    const sessionId = await channelSession();
    await fake.speak(ALICE, GUILD, utterance(1_000));
    await expectEventually(async () => expect((await messages(sessionId)).map((m) => m.role)).toEqual(['user', 'assistant']), { timeoutMs: 20_000 });
    const ownerId = (await status()).instance_id;

    await owner.kill(); // no goodbye: its lease and its session stay as they were; Alice's voice state does not change

    const after = await expectEventually(
      async () => {
        const reply = await status();
        expect(reply.instance_id).not.toBe(ownerId);
        expect(reply.connections).toMatchObject([{ channel_id: VOICE, state: 'ready', session_id: sessionId }]);
        return reply;
      },
      { timeoutMs: 20_000 },
    );
    expect(after.bot.state).toBe('logged_in');
    await fake.speak(ALICE, GUILD, utterance(1_000));
    const stored = await expectEventually(
      async () => {
        const found = await messages(sessionId);
        expect(found.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
        return found;
      },
      { timeoutMs: 20_000 },
    );
    expect(stored[2]).toMatchObject({ speaker_id: ALICE, speaker_name: 'Alice' });
    expect((await bus.call(SessionContracts.get, { id: sessionId })).active).toBe(true);
  }, 90_000);
});
