import type { DiscordBotConfig } from '@voxbridge/contracts';
import { channelAllowed, guildAllowed, tokenFingerprint } from './allow-list';

const GUILD = '111111111111111111';
const OTHER_GUILD = '222222222222222222';
const CHANNEL = '333333333333333333';
const OTHER_CHANNEL = '444444444444444444';

function bot(overrides: Partial<DiscordBotConfig> = {}): DiscordBotConfig {
  return { agent_id: '6f1f7a52-2a6f-4f43-9a43-9a3c4b6b2d11', agent_name: 'Helper', updated_at: 'x', bot_token: null, guild_ids: [], channel_ids: [], auto_join: true, ...overrides };
}

describe('discord allow-lists', () => {
  it('allows every guild and channel when both lists are empty', () => {
    expect(guildAllowed(bot(), GUILD)).toBe(true);
    expect(channelAllowed(bot(), OTHER_GUILD, OTHER_CHANNEL)).toBe(true);
  });

  it('refuses guilds outside the guild list, and their channels', () => {
    const sut = bot({ guild_ids: [GUILD] });

    expect(guildAllowed(sut, OTHER_GUILD)).toBe(false);
    expect(channelAllowed(sut, OTHER_GUILD, CHANNEL)).toBe(false);
    expect(channelAllowed(sut, GUILD, CHANNEL)).toBe(true);
  });

  it('refuses channels outside the channel list even in an allowed guild', () => {
    const sut = bot({ guild_ids: [GUILD], channel_ids: [CHANNEL] });

    expect(channelAllowed(sut, GUILD, CHANNEL)).toBe(true);
    expect(channelAllowed(sut, GUILD, OTHER_CHANNEL)).toBe(false);
  });
});

describe(tokenFingerprint.name, () => {
  const token = { $enc: 'v1' as const, kid: 'k1', iv: 'aXY=', ct: 'Y3Q=', tag: 'dGFn' };

  it('changes with the token only, not with allow-lists or names', () => {
    const before = tokenFingerprint(bot({ bot_token: token }));

    expect(tokenFingerprint(bot({ bot_token: token, guild_ids: [GUILD], agent_name: 'Renamed' }))).toBe(before);
    expect(tokenFingerprint(bot({ bot_token: { ...token, ct: 'b3RoZXI=' } }))).not.toBe(before);
    expect(tokenFingerprint(bot({ bot_token: null, token_problem: 'missing' }))).not.toBe(before);
  });
});
