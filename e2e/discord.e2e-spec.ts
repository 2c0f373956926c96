import type { AgentDto, DiscordVoiceStatusReply, MessageDto } from '@voxbridge/contracts';
import { decodeOpusPackets, DEFAULT_TONE, dominantFrequencyHz, expectEventually, FakeDiscord, pcmRms, sinePcm } from '@voxbridge/testing';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { adminKey, newRun, type Run } from './support/fleet';
import { isAlive, LauncherProcess } from './support/launcher-process';

const BOOT_TIMEOUT_MS = 120_000;
const TOKEN = 'e2e-fake-discord-bot-token';
const BOT_USER = '300000000000000051';
const GUILD = '100000000000000501';
const VOICE = '100000000000000520';
const OTHER_VOICE = '100000000000000521';
const ALICE = '200000000000000051';
const BOB = '200000000000000052';
/** What the launcher's fake STT hears, turn after turn (tools/launcher/fake-providers.ts). */
const FAKE_TRANSCRIPTS = ['Hello, who are you?', 'Tell me more about that.'];
const FAKE_REPLY_START = 'I am a scripted voice running on fake providers.';

/** A person's utterance: a tone loud enough for voice detection, 48 kHz stereo PCM (Opus-encoded by the fake). */
const utterance = (durationMs: number, frequencyHz = 300) => ({ pcm: sinePcm({ frequencyHz, durationMs, amplitude: 0.3 }) });

/**
 * Discord through the fleet as `npm start -- --fake-providers` runs it: the fake Discord runs in
 * this test, discord-connector (started by the launcher) reaches it through DISCORD_API_URL and
 * trusts its voice servers' certificate through NODE_EXTRA_CA_CERTS. The agent and its bot are
 * configured through the REST API; people join and speak in the fake channel; what they hear and
 * what the conversation stored is read back.
 */
describe('a Discord voice conversation through the launcher-started fleet', () => {
  let run: Run;
  let fleet: LauncherProcess;
  let fake: FakeDiscord;
  let agent: AgentDto;

  const call = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`http://127.0.0.1:${run.portBase}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey(run)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const status = () => call<DiscordVoiceStatusReply>('GET', `/api/plugins/discord/voice/status/${agent.id}`);
  const messages = async (sessionId: string) => (await call<MessageDto[]>('GET', `/api/sessions/${sessionId}/messages`)).body;
  const heard = () =>
    fake
      .heardInChannel(GUILD, VOICE)
      .filter((packet) => !packet.silence)
      .map((packet) => packet.opus);
  const context = () => `${JSON.stringify(fake?.record().gateway ?? {}).slice(0, 2_000)}\n${fleet.lastLines(80)}`;

  beforeAll(async () => {
    fake = await FakeDiscord.start({
      bots: [{ token: TOKEN, userId: BOT_USER, username: 'e2e-agent-bot' }],
      users: [
        { id: ALICE, username: 'alice', globalName: 'Alice' },
        { id: BOB, username: 'bob', globalName: 'Bob' },
      ],
      guilds: [
        {
          id: GUILD,
          name: 'E2E guild',
          memberIds: [ALICE, BOB],
          channels: [
            { id: VOICE, name: 'Lounge', kind: 'voice' },
            { id: OTHER_VOICE, name: 'Closed', kind: 'voice' },
          ],
        },
      ],
    });
    run = await newRun();
    // The launcher passes its environment on to the services: discord-connector talks to the fake.
    run.env = { ...run.env, DISCORD_API_URL: fake.restApiUrl, NODE_EXTRA_CA_CERTS: fake.tls.certFile, DISCORD_RESYNC_MS: '5000' };
    fleet = LauncherProcess.start(run.env, ['--fake-providers']);
    await expectEventually(() => expect(fleet.text()).toContain('8/8 ready'), { timeoutMs: BOOT_TIMEOUT_MS, intervalMs: 100, context: () => fleet.lastLines() });

    const created = await call<AgentDto>('POST', '/api/agents', {
      name: 'Discord e2e agent',
      system_prompt: 'Be brief.',
      plugins: { discord: { enabled: true, bot_token: TOKEN, auto_join: true, guild_ids: [GUILD], channel_ids: [VOICE] } },
    });
    expect(created.status).toBe(201);
    agent = created.body;
  }, BOOT_TIMEOUT_MS + 30_000);

  afterAll(async () => {
    if (fleet?.isRunning()) {
      fleet.child.kill('SIGTERM');
      await fleet.exited;
    }
    for (const pid of fleet?.allPids() ?? []) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await fake?.stop();
    if (run) rmSync(join(run.home, '..'), { recursive: true, force: true });
  });

  it('logs the bot in, joins when a person enters the allowed channel, hears two people and answers each in the channel', async () => {
    await expectEventually(async () => expect((await status()).body).toMatchObject({ bot: { state: 'logged_in', user_id: BOT_USER } }), { timeoutMs: 30_000, context });

    fake.joinVoice(BOB, GUILD, OTHER_VOICE); // not in the allow-list: the bot stays out
    fake.joinVoice(ALICE, GUILD, VOICE);
    const sessionId = await expectEventually(
      async () => {
        const { body } = await status();
        expect(body.connections).toMatchObject([{ guild_id: GUILD, channel_id: VOICE, channel_name: 'Lounge', state: 'ready', session_id: expect.any(String) }]);
        return body.connections[0]?.session_id as string;
      },
      { timeoutMs: 20_000, context },
    );

    await fake.speak(ALICE, GUILD, utterance(1_200));

    const first = await expectEventually(
      async () => {
        const found = await messages(sessionId);
        expect(found.map((m) => m.role)).toEqual(['user', 'assistant']);
        return found;
      },
      { timeoutMs: 30_000, context },
    );
    expect(first[0]).toMatchObject({ content: FAKE_TRANSCRIPTS[0], speaker_id: ALICE, speaker_name: 'Alice' });
    expect(first[1]?.content.startsWith(FAKE_REPLY_START)).toBe(true);
    // Alice heard the answer: Opus packets that decode to the fake TTS's voice (its tone).
    const answer = await expectEventually(() => {
      const packets = heard();
      expect(packets.length).toBeGreaterThan(50);
      return decodeOpusPackets(packets);
    });
    expect(pcmRms(answer)).toBeGreaterThan(0.05);
    expect(Math.abs(dominantFrequencyHz(answer) - DEFAULT_TONE.frequencyHz)).toBeLessThan(60);

    // Bob comes over and speaks once the first answer is stored: his turn, his name, the same session.
    fake.leaveVoice(BOB, GUILD);
    fake.joinVoice(BOB, GUILD, VOICE);
    const heardBefore = heard().length;
    await fake.speak(BOB, GUILD, utterance(1_200, 350));

    const all = await expectEventually(
      async () => {
        const found = await messages(sessionId);
        expect(found.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
        return found;
      },
      { timeoutMs: 40_000, context },
    );
    expect(all[2]).toMatchObject({ content: FAKE_TRANSCRIPTS[1], speaker_id: BOB, speaker_name: 'Bob' });
    await expectEventually(() => expect(heard().length - heardBefore).toBeGreaterThan(50));
    const session = await call<{ session_type: string; agent_id: string }>('GET', `/api/sessions/${sessionId}`);
    expect(session.body).toMatchObject({ session_type: 'discord', agent_id: agent.id });
  });
});
