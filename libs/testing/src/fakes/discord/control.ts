import type { FakeDiscord, FakeSlashCommand } from './fake-discord';
import type { FakeDiscordBotDefinition } from './model';
import { sinePcm } from './opus';
import type { FakeSpeakOptions, FakeSpeakResult } from './voice-server';

/**
 * Control paths of the fake Discord for a harness in another process (no real Discord has them):
 * what a test does in-process with `FakeDiscord` methods, over HTTP on the fake's REST port.
 */
export const FAKE_DISCORD_CONTROL_PATHS = {
  record: '/_fake/record',
  addBot: '/_fake/bots',
  joinVoice: '/_fake/voice/join',
  leaveVoice: '/_fake/voice/leave',
  speak: '/_fake/voice/speak',
  closeVoice: '/_fake/voice/close',
  moveVoiceServer: '/_fake/voice/move',
  slashCommand: '/_fake/interactions',
  dropGateway: '/_fake/gateway/drop',
} as const;

/** Body of `POST /_fake/voice/speak`: a tone (test speech) or raw 48 kHz stereo PCM, base64. */
export interface FakeDiscordSpeakRequest {
  userId: string;
  guildId: string;
  tone?: { frequencyHz: number; durationMs: number };
  pcmBase64?: string;
  options?: FakeSpeakOptions;
}

interface ControlReply {
  status: number;
  body?: unknown;
}

const bad = (message: string): ControlReply => ({ status: 400, body: { error: message } });

function str(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Answers one control request; a bad body is a 400 naming the field, a refused action a 409 with its reason. */
export async function answerFakeDiscordControl(fake: FakeDiscord, method: string, path: string, rawBody: unknown): Promise<ControlReply> {
  if (method === 'GET' && path === FAKE_DISCORD_CONTROL_PATHS.record) return { status: 200, body: fake.record() };
  if (method !== 'POST') return { status: 404, body: { error: `no fake control ${method} ${path}` } };
  const body = (typeof rawBody === 'object' && rawBody !== null && !Array.isArray(rawBody) ? rawBody : {}) as Record<string, unknown>;
  try {
    switch (path) {
      case FAKE_DISCORD_CONTROL_PATHS.addBot: {
        const token = str(body, 'token');
        if (!token) return bad('token (string) is required');
        return { status: 200, body: fake.addBot(body as unknown as FakeDiscordBotDefinition) };
      }
      case FAKE_DISCORD_CONTROL_PATHS.joinVoice: {
        const [userId, guildId, channelId] = [str(body, 'userId'), str(body, 'guildId'), str(body, 'channelId')];
        if (!userId || !guildId || !channelId) return bad('userId, guildId and channelId (strings) are required');
        fake.joinVoice(userId, guildId, channelId);
        return { status: 204 };
      }
      case FAKE_DISCORD_CONTROL_PATHS.leaveVoice: {
        const [userId, guildId] = [str(body, 'userId'), str(body, 'guildId')];
        if (!userId || !guildId) return bad('userId and guildId (strings) are required');
        fake.leaveVoice(userId, guildId);
        return { status: 204 };
      }
      case FAKE_DISCORD_CONTROL_PATHS.speak: {
        const request = body as unknown as FakeDiscordSpeakRequest;
        if (!str(body, 'userId') || !str(body, 'guildId')) return bad('userId and guildId (strings) are required');
        let pcm: Buffer;
        if (request.tone && typeof request.tone.frequencyHz === 'number' && typeof request.tone.durationMs === 'number') pcm = sinePcm(request.tone);
        else if (typeof request.pcmBase64 === 'string') pcm = Buffer.from(request.pcmBase64, 'base64');
        else return bad('tone {frequencyHz, durationMs} or pcmBase64 is required');
        const results: FakeSpeakResult[] = await fake.speak(request.userId, request.guildId, { pcm }, request.options);
        return { status: 200, body: results };
      }
      case FAKE_DISCORD_CONTROL_PATHS.closeVoice: {
        const guildId = str(body, 'guildId');
        if (!guildId || typeof body['code'] !== 'number') return bad('guildId (string) and code (number) are required');
        fake.closeVoice(guildId, body['code'], str(body, 'botUserId'));
        return { status: 204 };
      }
      case FAKE_DISCORD_CONTROL_PATHS.moveVoiceServer: {
        const guildId = str(body, 'guildId');
        if (!guildId) return bad('guildId (string) is required');
        const server = await fake.moveVoiceServer(guildId);
        return { status: 200, body: { endpoint: server.endpoint } };
      }
      case FAKE_DISCORD_CONTROL_PATHS.slashCommand: {
        if (!str(body, 'guildId') || !str(body, 'channelId') || !str(body, 'userId') || !str(body, 'name')) return bad('guildId, channelId, userId and name (strings) are required');
        const interaction = fake.slashCommand(body as unknown as FakeSlashCommand);
        return { status: 200, body: { id: interaction.id } };
      }
      case FAKE_DISCORD_CONTROL_PATHS.dropGateway:
        fake.dropGateway(str(body, 'botUserId'));
        return { status: 204 };
      default:
        return { status: 404, body: { error: `no fake control POST ${path}` } };
    }
  } catch (error) {
    // The fake refuses what cannot happen now (unknown guild, nobody connected, ...): say why.
    return { status: 409, body: { error: error instanceof Error ? error.message : String(error) } };
  }
}

/** The harness side of the control paths (`origin` = `fake.origin`, e.g. passed to another process). */
export class FakeDiscordControlClient {
  constructor(readonly origin: string) {}

  async record<R = Record<string, unknown>>(): Promise<R> {
    return (await this.call('GET', FAKE_DISCORD_CONTROL_PATHS.record)) as R;
  }

  async joinVoice(userId: string, guildId: string, channelId: string): Promise<void> {
    await this.call('POST', FAKE_DISCORD_CONTROL_PATHS.joinVoice, { userId, guildId, channelId });
  }

  async leaveVoice(userId: string, guildId: string): Promise<void> {
    await this.call('POST', FAKE_DISCORD_CONTROL_PATHS.leaveVoice, { userId, guildId });
  }

  async speak(request: FakeDiscordSpeakRequest): Promise<FakeSpeakResult[]> {
    return (await this.call('POST', FAKE_DISCORD_CONTROL_PATHS.speak, request)) as FakeSpeakResult[];
  }

  async slashCommand(command: FakeSlashCommand): Promise<{ id: string }> {
    return (await this.call('POST', FAKE_DISCORD_CONTROL_PATHS.slashCommand, command)) as { id: string };
  }

  async closeVoice(guildId: string, code: number, botUserId?: string): Promise<void> {
    await this.call('POST', FAKE_DISCORD_CONTROL_PATHS.closeVoice, { guildId, code, botUserId });
  }

  async moveVoiceServer(guildId: string): Promise<{ endpoint: string }> {
    return (await this.call('POST', FAKE_DISCORD_CONTROL_PATHS.moveVoiceServer, { guildId })) as { endpoint: string };
  }

  async dropGateway(botUserId?: string): Promise<void> {
    await this.call('POST', FAKE_DISCORD_CONTROL_PATHS.dropGateway, { botUserId });
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.origin}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`fake Discord control ${method} ${path}: HTTP ${response.status} ${text}`);
    return text.length > 0 ? JSON.parse(text) : undefined;
  }
}
