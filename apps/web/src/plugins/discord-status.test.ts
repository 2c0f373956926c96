import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/api-client';
import type { DiscordVoiceStatusReply } from '../api/api-types';
import { summarizeDiscord } from './discord-status';

const status = (bot: DiscordVoiceStatusReply['bot'], connections = 0): DiscordVoiceStatusReply => ({
  agent_id: '6f1c1c9e-4a8e-4c59-9a53-2f1f4f0d9b11',
  agent_name: 'Auren',
  instance_id: '0d3f1c9e-4a8e-4c59-9a53-2f1f4f0d9b11',
  bot,
  guilds: [
    { guild_id: '123456789012345678', name: 'Home', allowed: true },
    { guild_id: '123456789012345679', name: 'Work', allowed: false },
  ],
  connections: Array.from({ length: connections }, (_, i) => ({ guild_id: '123456789012345678', channel_id: `22345678901234567${i}`, state: 'ready', speakers: [] })),
});

describe('summarizeDiscord', () => {
  it.each([
    [status({ state: 'logged_in', username: 'Auren#0420', reconnects: 0 }, 2), null, 'running', 'Running: logged in as Auren#0420, on 2 servers, in 2 voice channels.'],
    [status({ state: 'starting', reconnects: 0 }), null, 'starting', 'Starting: the bot is logging in to Discord.'],
    [status({ state: 'failed', error: 'Discord refused the token (4004)', reconnects: 3 }), null, 'failed', 'Not running: the bot failed (Discord refused the token (4004)).'],
    [status({ state: 'stopped', reconnects: 0 }), null, 'stopped', 'Not running: the bot is stopped.'],
    [undefined, new ApiError(404, 'not_found', 'no bot'), 'not_running', 'Not running: this agent has no enabled Discord bot (enable it and set a bot token, then save).'],
    [undefined, new ApiError(503, 'unavailable', 'down'), 'not_running', 'Not running: discord-connector is not running, or no replica has started this bot yet.'],
    [undefined, new ApiError(0, 'network', 'Could not reach VoxBridge.'), 'unknown', 'State unknown: Could not reach VoxBridge.'],
    [undefined, null, 'checking', 'Asking discord-connector…'],
  ] as const)('%#: %s → %s', (reply, error, state, text) => {
    expect(summarizeDiscord(reply, error)).toEqual({ state, text });
  });
});
