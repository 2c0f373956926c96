import { Bus, BusRemoteError, type BusSubscription } from '@voxbridge/bus';
import { AgentSubjects, DiscordContracts, ErrorCode, queueGroup, streamName, type DiscordBotConfig } from '@voxbridge/contracts';
import { runMigrations } from '@voxbridge/persistence';
import { ServiceIdentity } from '@voxbridge/platform';
import { encryptField, generateEncryptionKey, parseEncryptionKey } from '@voxbridge/plugin-sdk';
import { bootService, type RunningService } from '@voxbridge/service-testing';
import { expectEventually, FakeDiscord, testInfra, uniqueNamespace } from '@voxbridge/testing';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { DiscordConnectorEnv } from '../src/config/discord-connector.env';
import { serviceSchema } from '../src/persistence/schema';
import { FakeVoiceFleet } from './support/fake-voice-fleet';

const TOKEN = 'fake-discord-bot-token-0001';
const BOT_USER = '300000000000000001';
const GUILD = '100000000000000001';
const OTHER_GUILD = '100000000000000002';
const VOICE = '100000000000000020';
const CLOSED_VOICE = '100000000000000021';
const OTHER_GUILD_VOICE = '100000000000000030';
const ALICE = '200000000000000001';
const BOB = '200000000000000002';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/**
 * discord-connector (two replicas, in process) against the fake Discord (real discord.js and
 * @discordjs/voice on the wire) and real NATS; agent-api's bot list is served here, the token
 * sealed with the fleet key exactly as agent-api stores it.
 */
describe('discord-connector bots (fake Discord, real NATS)', () => {
  const namespace = uniqueNamespace('dcon');
  const keyText = generateEncryptionKey();
  const agentId = randomUUID();
  let fake: FakeDiscord;
  let bus: Bus;
  let agentApi: BusSubscription;
  let voiceFleet: FakeVoiceFleet;
  let bots: DiscordBotConfig[];
  const replicas: RunningService[] = [];

  const boot = async () => {
    const replica = await bootService(
      { service: 'discord-connector', env: DiscordConnectorEnv, module: (config, logger) => AppModule.register(config, logger) },
      {
        NATS_URL: testInfra().natsUrl,
        VOXBRIDGE_NAMESPACE: namespace,
        DATABASE_URL: testInfra().databaseUrl,
        VOXBRIDGE_ENCRYPTION_KEY: keyText,
        DISCORD_API_URL: fake.restApiUrl,
        DISCORD_LEASE_MS: '1500',
      },
    );
    replicas.push(replica);
    return replica;
  };
  const status = () => bus.call(DiscordContracts.status, { agent_id: agentId });
  const remoteCode = async (call: Promise<unknown>) => {
    const error = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    return error instanceof BusRemoteError ? error.code : `not a refusal: ${String(error)}`;
  };

  beforeAll(async () => {
    await runMigrations(testInfra().databaseUrl, [serviceSchema]);
    fake = await FakeDiscord.start({
      bots: [{ token: TOKEN, userId: BOT_USER, username: 'agent-bot' }],
      users: [
        { id: ALICE, username: 'alice', globalName: 'Alice' },
        { id: BOB, username: 'bob', globalName: 'Bob' },
      ],
      guilds: [
        {
          id: GUILD,
          name: 'Allowed guild',
          memberIds: [ALICE, BOB],
          channels: [
            { id: VOICE, name: 'Voice', kind: 'voice' },
            { id: CLOSED_VOICE, name: 'Closed voice', kind: 'voice' },
          ],
        },
        { id: OTHER_GUILD, name: 'Other guild', memberIds: [ALICE], channels: [{ id: OTHER_GUILD_VOICE, name: 'Voice', kind: 'voice' }] },
      ],
    });
    bus = await Bus.connect({ servers: testInfra().natsUrl, namespace, name: 'test-agent-api', logger: quiet });
    const sealed = encryptField(TOKEN, parseEncryptionKey(keyText), { agentId, pluginType: 'discord', field: 'bot_token' });
    bots = [
      { agent_id: agentId, agent_name: 'Helper', updated_at: new Date().toISOString(), bot_token: sealed, guild_ids: [GUILD], channel_ids: [VOICE], auto_join: true },
    ];
    voiceFleet = new FakeVoiceFleet(bus);
    agentApi = bus.serve(DiscordContracts.bots, (req) => ({ bots: bots.filter((bot) => !req.agent_id || bot.agent_id === req.agent_id) }), {
      queue: queueGroup(namespace, 'agent-api'),
    });
    await Promise.all([boot(), boot()]);
  });

  afterAll(async () => {
    for (const replica of replicas) await replica.close().catch(() => undefined);
    agentApi?.unsubscribe();
    voiceFleet?.stop();
    const jsm = await bus.connection.jetstreamManager();
    await jsm.streams.delete(`KV_${streamName(namespace, 'leases-discord')}`).catch(() => false);
    await bus.drain();
    await fake?.stop();
  });

  it('logs the agent’s bot in on exactly one replica, with the token decrypted there only', async () => {
    const reply = await expectEventually(async () => {
      const now = await status();
      expect(now.bot.state).toBe('logged_in');
      return now;
    });

    expect(reply.bot).toMatchObject({ user_id: BOT_USER, username: 'agent-bot' });
    expect(reply.guilds).toEqual(
      expect.arrayContaining([
        { guild_id: GUILD, name: 'Allowed guild', allowed: true },
        { guild_id: OTHER_GUILD, name: 'Other guild', allowed: false },
      ]),
    );
    expect(fake.gateway.liveSessions(BOT_USER)).toHaveLength(1);
    expect(JSON.stringify(reply)).not.toContain(TOKEN);
  });

  it('joins an allowed voice channel when a person does, and leaves when no human is left', async () => {
    fake.joinVoice(ALICE, GUILD, VOICE);

    await expectEventually(() => expect(fake.voiceStateOf(GUILD, BOT_USER)?.channelId).toBe(VOICE));
    await expectEventually(async () => expect((await status()).connections).toMatchObject([{ guild_id: GUILD, channel_id: VOICE, channel_name: 'Voice', state: 'ready' }]));

    fake.leaveVoice(ALICE, GUILD);

    await expectEventually(() => expect(fake.voiceStateOf(GUILD, BOT_USER)).toBeUndefined());
    expect((await status()).connections).toEqual([]);
  });

  it('registers /agent and /voice and answers them: join and leave the caller’s channel, refuse one outside the allow-list', async () => {
    await expectEventually(() => expect(fake.rest.registeredCommands(BOT_USER).map((command) => command.name).sort()).toEqual(['agent', 'voice']));
    const answer = async (name: string, subcommand: string, options?: Record<string, string>) => {
      const interaction = fake.slashCommand({ guildId: GUILD, channelId: VOICE, userId: ALICE, name, subcommand, ...(options ? { options } : {}) });
      return expectEventually(() => {
        const content = interaction.responses.map((response) => response.content).filter((text) => text !== undefined);
        expect(content).toHaveLength(1);
        return content[0] ?? '';
      });
    };

    expect(await answer('agent', 'current')).toContain('Helper');
    expect(await answer('agent', 'list')).toContain('Helper');
    expect(await answer('agent', 'select', { name: 'nobody' })).toContain('No agent named "nobody"');
    expect(await answer('voice', 'join')).toContain('Join a voice channel first');

    fake.joinVoice(ALICE, GUILD, CLOSED_VOICE);
    expect(await answer('voice', 'join')).toContain('not in the agent');
    expect(fake.voiceStateOf(GUILD, BOT_USER)).toBeUndefined();

    fake.joinVoice(ALICE, GUILD, VOICE); // auto-join follows her
    await expectEventually(() => expect(fake.voiceStateOf(GUILD, BOT_USER)?.channelId).toBe(VOICE));
    expect(await answer('voice', 'leave')).toContain('Left the voice channel');
    await expectEventually(() => expect(fake.voiceStateOf(GUILD, BOT_USER)).toBeUndefined());
    expect(await answer('voice', 'join')).toContain('Joined **Voice**');
    await expectEventually(() => expect(fake.voiceStateOf(GUILD, BOT_USER)?.channelId).toBe(VOICE));

    fake.leaveVoice(ALICE, GUILD);
    await expectEventually(() => expect(fake.voiceStateOf(GUILD, BOT_USER)).toBeUndefined());
    await expectEventually(async () => expect((await status()).connections).toEqual([]));
  });

  it('refuses channels and guilds outside the allow-lists (conflict), and unknown bots (not found)', async () => {
    expect(await remoteCode(bus.call(DiscordContracts.join, { agent_id: agentId, guild_id: GUILD, channel_id: CLOSED_VOICE }))).toBe(ErrorCode.Conflict);
    expect(await remoteCode(bus.call(DiscordContracts.join, { agent_id: agentId, guild_id: OTHER_GUILD, channel_id: OTHER_GUILD_VOICE }))).toBe(ErrorCode.Conflict);
    expect(await remoteCode(bus.call(DiscordContracts.status, { agent_id: randomUUID() }))).toBe(ErrorCode.NotFound);
    expect(fake.voiceStateOf(GUILD, BOT_USER)).toBeUndefined();
  });

  it('joins and leaves on request, whichever replica the request reaches', async () => {
    for (let i = 0; i < 3; i++) {
      const joined = await bus.call(DiscordContracts.join, { agent_id: agentId, guild_id: GUILD, channel_id: VOICE });
      expect(joined).toMatchObject({ agent_id: agentId, guild_id: GUILD, channel_id: VOICE, channel_name: 'Voice' });
      await expectEventually(() => expect(fake.voiceStateOf(GUILD, BOT_USER)?.channelId).toBe(VOICE));

      expect(await bus.call(DiscordContracts.leave, { agent_id: agentId, guild_id: GUILD })).toEqual({ agent_id: agentId, guild_id: GUILD, left: true });
      await expectEventually(() => expect(fake.voiceStateOf(GUILD, BOT_USER)).toBeUndefined());
    }
    expect(await bus.call(DiscordContracts.leave, { agent_id: agentId, guild_id: GUILD })).toEqual({ agent_id: agentId, guild_id: GUILD, left: false });
  });

  it('hands the bot to the other replica on shutdown: one live client before and after', async () => {
    const before = await status();
    const owner = replicas.find((replica) => ownerId(replica) === before.instance_id);
    if (!owner) throw new Error('no owner replica');

    await owner.close();
    replicas.splice(replicas.indexOf(owner), 1);

    const after = await expectEventually(async () => {
      const now = await status();
      expect(now.instance_id).not.toBe(before.instance_id);
      expect(now.bot.state).toBe('logged_in');
      return now;
    });
    expect(replicas.map(ownerId)).toEqual([after.instance_id]);
    await expectEventually(() => expect(fake.gateway.liveSessions(BOT_USER)).toHaveLength(1));
  });

  it('takes the bot over when its replica loses NATS without a goodbye, and the cut-off replica lets its client go', async () => {
    await boot();
    // Whichever replica answers (the new one too, once it has read the bot list), the bot is logged in.
    const before = await expectEventually(async () => {
      const now = await status();
      expect(now.bot.state).toBe('logged_in');
      return now;
    });
    const owner = replicas.find((replica) => ownerId(replica) === before.instance_id);
    if (!owner) throw new Error('no owner replica');

    // The owner is cut off from the bus (as a crashed process is): no hand-over, its lease still stored.
    await owner.app.get(Bus).connection.close();

    const after = await expectEventually(
      async () => {
        const now = await status();
        expect(now.instance_id).not.toBe(before.instance_id);
        expect(now.bot.state).toBe('logged_in');
        return now;
      },
      { timeoutMs: 10_000 },
    );
    expect(after.instance_id).not.toBe(before.instance_id);
    // The cut-off replica cannot renew or be claimed: its client lapses with the lease.
    await expectEventually(() => expect(fake.gateway.liveSessions(BOT_USER)).toHaveLength(1), { timeoutMs: 10_000 });
  });

  it('stops the bot when the agent’s discord plugin is turned off', async () => {
    bots = [];
    // What agent-api publishes after the change committed (core NATS subscribers hear the JetStream publish).
    bus.publishJson(AgentSubjects.updated, { id: agentId });

    await expectEventually(() => expect(fake.gateway.liveSessions(BOT_USER)).toHaveLength(0));
    expect(await remoteCode(status())).toBe(ErrorCode.NotFound);
  });
});

function ownerId(replica: RunningService): string {
  return replica.app.get(ServiceIdentity).instanceId;
}
