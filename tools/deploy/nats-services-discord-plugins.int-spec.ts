import { readFileSync } from 'node:fs';
import type { AgentDto, DiscordVoiceJoinReply, DiscordVoiceStatusReply, MessageDto } from '@voxbridge/contracts';
import { DEFAULT_FAKE_TOKENS, expectEventually, FakeDiscord, FakeN8nWebhook, FakeOpenAiCompatibleServer, FakeWhisperXServer, sinePcm } from '@voxbridge/testing';
import { startAclFleet, type AclFleet } from './test-support/acl-fleet';

const TOKEN = 'acl-fake-discord-bot-token';
const BOT_USER = '300000000000000071';
const GUILD = '100000000000000701';
const VOICE = '100000000000000720';
const ALICE = '200000000000000071';
const HEARD = 'What time is it?';
const ANSWER = DEFAULT_FAKE_TOKENS.join('');
const WEBHOOK_SECRET = 'acl-n8n-signing-secret';

/**
 * The paths nats-services.int-spec.ts does not take, under the generated NATS users: an agent's
 * Discord bot (discord-connector, against the fake Discord) joins a voice channel, hears a person
 * and answers in the channel; the agent's n8n plugin (run by plugin-supervisor in a child process)
 * gets the conversation on the fake n8n webhook. The plugin child has no NATS connection of its
 * own: it gets no environment and talks to the supervisor over IPC only. Providers: the fake
 * WhisperX (STT), the fake OpenAI-compatible server (LLM), flite (TTS, offline).
 */
describe('Discord voice and plugins under the generated NATS permissions', () => {
  let fleet: AclFleet;
  let discord: FakeDiscord;
  let whisperx: FakeWhisperXServer;
  let llm: FakeOpenAiCompatibleServer;
  let n8n: FakeN8nWebhook;
  let agent: AgentDto;
  let sessionId: string;

  const status = () => fleet.api<DiscordVoiceStatusReply>('GET', `/api/plugins/discord/voice/status/${agent.id}`);
  const spokenInChannel = () => discord.heardInChannel(GUILD, VOICE).filter((packet) => !packet.silence);
  const webhookEvents = () => n8n.accepted().filter((body) => body['session_id'] === sessionId);
  const context = () => JSON.stringify({ violations: fleet.violations(), webhook: n8n.requests.length, discord: JSON.stringify(discord.record().gateway ?? {}).slice(0, 1_000) });

  beforeAll(async () => {
    discord = await FakeDiscord.start({
      bots: [{ token: TOKEN, userId: BOT_USER, username: 'acl-bot' }],
      users: [{ id: ALICE, username: 'alice', globalName: 'Alice' }],
      guilds: [{ id: GUILD, name: 'ACL guild', memberIds: [ALICE], channels: [{ id: VOICE, name: 'Lounge', kind: 'voice' }] }],
    });
    whisperx = await FakeWhisperXServer.start({ transcripts: [HEARD], finalLatencyMs: 50 });
    llm = await FakeOpenAiCompatibleServer.start();
    n8n = await FakeN8nWebhook.start();
    fleet = await startAclFleet({
      database: 'vb_test_nats_acl_discord',
      env: {
        'stt-gateway': { WHISPERX_URL: whisperx.url },
        'llm-router': { OLLAMA_BASE_URL: llm.url },
        'discord-connector': { DISCORD_API_URL: discord.restApiUrl },
      },
    });
  }, 120_000);

  afterAll(async () => {
    await fleet?.close();
    await Promise.all([discord?.stop(), whisperx?.stop(), llm?.close(), n8n?.stop()]);
  }, 60_000);

  it('creates an agent with a Discord bot and an n8n plugin: the bot logs in, the plugin runs in its child process', async () => {
    const created = await fleet.api<AgentDto>('POST', '/api/agents', {
      name: 'ACL agent',
      system_prompt: 'Be brief.',
      plugins: {
        discord: { enabled: true, bot_token: TOKEN, auto_join: false, guild_ids: [GUILD], channel_ids: [VOICE] },
        n8n: { enabled: true, webhook_url: n8n.url, secret: WEBHOOK_SECRET },
      },
    });
    expect(created.status).toBe(201);
    agent = created.body;

    await expectEventually(async () => expect((await status()).body).toMatchObject({ bot: { state: 'logged_in', user_id: BOT_USER } }), { timeoutMs: 20_000, context });
    await expectEventually(
      async () => {
        const { body } = await fleet.api<{ plugins: Array<{ agent_id: string; plugin_type: string; state: string }> }>('GET', '/api/plugins');
        expect(body.plugins.filter((p) => p.agent_id === agent.id).map((p) => `${p.plugin_type}: ${p.state}`).sort()).toEqual(['discord: running', 'n8n: running']);
      },
      { timeoutMs: 20_000, context },
    );
    // The child connects to nothing on the bus: no NATS user or password reaches its environment.
    const { body: stats } = await fleet.api<{ plugins: Array<{ agent_id: string; plugin_type: string; pid?: number }> }>('GET', '/api/plugins/stats');
    const pid = stats.plugins.find((p) => p.agent_id === agent.id && p.plugin_type === 'n8n')?.pid;
    expect(pid).toEqual(expect.any(Number));
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter((entry) => entry.startsWith('NATS_'))).toEqual([]);
  }, 60_000);

  it('joins the voice channel on request, hears a person and answers in the channel', async () => {
    discord.joinVoice(ALICE, GUILD, VOICE);
    const joined = await fleet.api<DiscordVoiceJoinReply>('POST', '/api/plugins/discord/voice/join', { agent_id: agent.id, guild_id: GUILD, channel_id: VOICE });
    expect(joined).toMatchObject({ status: 200, body: { agent_id: agent.id, guild_id: GUILD, channel_id: VOICE } });
    sessionId = await expectEventually(
      async () => {
        const { body } = await status();
        expect(body.connections).toMatchObject([{ guild_id: GUILD, channel_id: VOICE, state: 'ready', session_id: expect.any(String) }]);
        return body.connections[0]?.session_id as string;
      },
      { timeoutMs: 20_000, context },
    );

    // A tone loud enough for voice detection, 48 kHz stereo PCM (Opus-encoded by the fake); the fake WhisperX hears HEARD.
    await discord.speak(ALICE, GUILD, { pcm: sinePcm({ frequencyHz: 300, durationMs: 1_200, amplitude: 0.3 }) });

    const messages = await expectEventually(
      async () => {
        const { body } = await fleet.api<MessageDto[]>('GET', `/api/sessions/${sessionId}/messages`);
        expect(body.map((m) => m.role)).toEqual(['user', 'assistant']);
        return body;
      },
      { timeoutMs: 30_000, context },
    );
    expect(messages.map((m) => m.content)).toEqual([HEARD, ANSWER]);
    expect(messages[0]).toMatchObject({ speaker_id: ALICE, speaker_name: 'Alice' });
    // The answer was spoken into the channel: Opus from the bot (flite's voice), not silence.
    await expectEventually(() => expect(spokenInChannel().length).toBeGreaterThan(10), { timeoutMs: 20_000, context });
  }, 90_000);

  it('delivers the session start, the user message and the agent response to the n8n plugin’s webhook, signed, and the end after the bot leaves', async () => {
    await expectEventually(() => expect(webhookEvents().map((e) => e['event'])).toEqual(['session_start', 'user_message', 'agent_response']), { timeoutMs: 20_000, context });
    expect(webhookEvents().slice(1)).toMatchObject([
      { agent_id: agent.id, role: 'user', speaker: 'Alice', text: HEARD },
      { agent_id: agent.id, role: 'assistant', text: ANSWER },
    ]);
    expect(n8n.requests.filter((r) => r.json?.['session_id'] === sessionId).every((r) => FakeN8nWebhook.signedWith(r, WEBHOOK_SECRET))).toBe(true);

    const left = await fleet.api<{ left: boolean }>('POST', '/api/plugins/discord/voice/leave', { agent_id: agent.id, guild_id: GUILD });
    expect(left).toMatchObject({ status: 200, body: { left: true } });
    await expectEventually(() => expect(webhookEvents().map((e) => e['event'])).toEqual(['session_start', 'user_message', 'agent_response', 'session_end']), { timeoutMs: 20_000, context });
  }, 60_000);

  it('touched no subject it was not granted (nats-server logged no violation)', () => {
    expect(fleet.violations()).toEqual([]);
  });
});
