import { Bus, BusError, type BusSubscription } from '@voxbridge/bus';
import {
  DiscordBotsReply,
  DiscordContracts,
  ErrorCode,
  queueGroup,
  type DiscordVoiceJoinRequest,
  type DiscordVoiceStatusReply,
} from '@voxbridge/contracts';
import { decryptField, KeyRing } from '@voxbridge/plugin-sdk';
import { testInfra } from '@voxbridge/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { newEncryptionKey, startAgentApi, type AgentApiHarness } from '../../../test/support/agent-api-harness';

const TOKEN = 'MTIzNDU2Nzg5MDEy.discord-bot-token-plaintext-XyZ9';
const GUILD = '100000000000000001';
const VOICE = '100000000000000020';
const CLOSED = '100000000000000021';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/**
 * FAKE discord-connector: on the real bus, in discord-connector's queue group, serving the real
 * contracts (requests validated on arrival, replies checked before they are sent). Everything from
 * HTTP down to the bus is real agent-api.
 */
class FakeConnector {
  readonly joins: DiscordVoiceJoinRequest[] = [];
  private subscriptions: BusSubscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly botAgentId: () => string,
  ) {}

  start(): void {
    const queue = queueGroup(this.bus.namespace, 'discord-connector');
    this.subscriptions = [
      this.bus.serve(
        DiscordContracts.join,
        (req) => {
          this.known(req.agent_id);
          if (req.channel_id !== VOICE) throw new BusError(ErrorCode.Conflict, `channel ${req.channel_id} is not in the agent's allow-list`);
          this.joins.push(req);
          return { agent_id: req.agent_id, guild_id: req.guild_id, channel_id: req.channel_id, channel_name: 'Voice', ...(req.session_id ? { session_id: req.session_id } : {}) };
        },
        { queue },
      ),
      this.bus.serve(DiscordContracts.leave, (req) => (this.known(req.agent_id), { agent_id: req.agent_id, guild_id: req.guild_id, left: true }), { queue }),
      this.bus.serve(DiscordContracts.status, (req): DiscordVoiceStatusReply => {
        this.known(req.agent_id);
        return { agent_id: req.agent_id, agent_name: 'x', instance_id: randomUUID(), bot: { state: 'logged_in', reconnects: 0 }, guilds: [], connections: [] };
      }, { queue }),
    ];
  }

  async stop(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    await Promise.all(this.subscriptions.map((s) => s.closed));
    this.subscriptions = [];
  }

  private known(agentId: string): void {
    if (agentId !== this.botAgentId()) throw new BusError(ErrorCode.NotFound, `agent ${agentId} has no enabled discord bot`);
  }
}

describe('/api/plugins/discord/voice (agent-api, real NATS + Postgres, fake discord-connector)', () => {
  const keyText = newEncryptionKey('kd');
  let api: AgentApiHarness;
  let bus: Bus;
  let connector: FakeConnector;
  let agentId = '';
  let plainAgentId = '';

  beforeAll(async () => {
    api = await startAgentApi({ VOXBRIDGE_ENCRYPTION_KEY: keyText });
    bus = await Bus.connect({ servers: testInfra().natsUrl, namespace: api.namespace, name: 'test-discord', logger: quiet });
    const created = await api.request('POST', '/api/agents', {
      name: `discord-${randomBytes(4).toString('hex')}`,
      system_prompt: 'Be brief.',
      plugins: { discord: { enabled: true, bot_token: TOKEN, auto_join: true, guild_ids: [GUILD], channel_ids: [VOICE] } },
    });
    expect(created.status).toBe(201);
    agentId = (created.body as { id: string }).id;
    const plain = await api.request('POST', '/api/agents', { name: `plain-${randomBytes(4).toString('hex')}`, system_prompt: 'p' });
    plainAgentId = (plain.body as { id: string }).id;
    connector = new FakeConnector(bus, () => agentId);
  });

  afterAll(async () => {
    await connector?.stop();
    await bus?.drain();
    await api?.close();
  });

  describe('agents.v1.discord-bot.list (for discord-connector)', () => {
    it('lists the agents with an enabled bot, the token still sealed and opening only with the fleet key', async () => {
      const { bots } = await bus.call(DiscordContracts.bots, {});

      expect(bots.map((bot) => bot.agent_id)).toEqual([agentId]);
      const [bot] = bots;
      if (!bot?.bot_token) throw new Error('no sealed token listed');
      expect(bot).toMatchObject({ guild_ids: [GUILD], channel_ids: [VOICE], auto_join: true, bot_token: { $enc: 'v1', kid: 'kd' } });
      expect(JSON.stringify(bots)).not.toContain(TOKEN);
      expect(decryptField(bot.bot_token, KeyRing.fromText(keyText), { agentId, pluginType: 'discord', field: 'bot_token' })).toBe(TOKEN);
    });

    it('answers for one agent, empty when it has no bot', async () => {
      expect((await bus.call(DiscordContracts.bots, { agent_id: agentId })).bots).toHaveLength(1);
      expect(await bus.call(DiscordContracts.bots, { agent_id: plainAgentId })).toEqual({ bots: [] } satisfies DiscordBotsReply);
    });
  });

  describe('while discord-connector is down', () => {
    it('answers 503 naming discord-connector', async () => {
      const reply = await api.request('GET', `/api/plugins/discord/voice/status/${agentId}`);

      expect(reply.status).toBe(503);
      expect(reply.body).toMatchObject({ error: { code: ErrorCode.Unavailable, message: expect.stringContaining('discord-connector') } });
    });
  });

  describe('with discord-connector up', () => {
    beforeAll(async () => {
      connector.start();
      await bus.connection.flush();
    });

    it('joins, with snowflakes as strings and an existing session to continue', async () => {
      const sessionId = randomUUID();
      const reply = await api.request('POST', '/api/plugins/discord/voice/join', { agent_id: agentId, guild_id: GUILD, channel_id: VOICE, session_id: sessionId });

      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ agent_id: agentId, guild_id: GUILD, channel_id: VOICE, channel_name: 'Voice', session_id: sessionId });
      expect(connector.joins.at(-1)).toEqual({ agent_id: agentId, guild_id: GUILD, channel_id: VOICE, session_id: sessionId });
    });

    it('refuses snowflakes sent as JSON numbers or malformed ids with 400 naming the field', async () => {
      const numbers = await api.request('POST', '/api/plugins/discord/voice/join', `{"agent_id":"${agentId}","guild_id":${GUILD},"channel_id":"${VOICE}"}`);
      const short = await api.request('POST', '/api/plugins/discord/voice/leave', { agent_id: agentId, guild_id: '123' });
      const badAgent = await api.request('GET', '/api/plugins/discord/voice/status/not-a-uuid');

      expect(numbers.status).toBe(400);
      expect(JSON.stringify(numbers.body)).toContain('guild_id');
      expect(short.status).toBe(400);
      expect(JSON.stringify(short.body)).toContain('guild_id');
      expect(badAgent.status).toBe(400);
      expect(JSON.stringify(badAgent.body)).toContain('agent_id');
    });

    it('answers 404 for an unknown agent and for an agent without a bot', async () => {
      const unknown = await api.request('GET', `/api/plugins/discord/voice/status/${randomUUID()}`);
      const noBot = await api.request('POST', '/api/plugins/discord/voice/join', { agent_id: plainAgentId, guild_id: GUILD, channel_id: VOICE });

      expect(unknown.status).toBe(404);
      expect(noBot.status).toBe(404);
      expect(noBot.body).toMatchObject({ error: { code: ErrorCode.NotFound, message: expect.stringContaining('no enabled discord bot') } });
    });

    it('answers 409 for a channel outside the allow-list', async () => {
      const reply = await api.request('POST', '/api/plugins/discord/voice/join', { agent_id: agentId, guild_id: GUILD, channel_id: CLOSED });

      expect(reply.status).toBe(409);
      expect(reply.body).toMatchObject({ error: { code: ErrorCode.Conflict } });
    });

    it('leaves and reports status', async () => {
      expect(await api.request('POST', '/api/plugins/discord/voice/leave', { agent_id: agentId, guild_id: GUILD })).toMatchObject({ status: 200, body: { left: true } });
      expect(await api.request('GET', `/api/plugins/discord/voice/status/${agentId}`)).toMatchObject({ status: 200, body: { agent_id: agentId, bot: { state: 'logged_in' } } });
    });

    it('requires an API key', async () => {
      expect((await api.request('GET', `/api/plugins/discord/voice/status/${agentId}`, undefined, null)).status).toBe(401);
    });
  });
});
