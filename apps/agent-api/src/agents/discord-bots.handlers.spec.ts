import { DiscordBotConfig } from '@voxbridge/contracts';
import { validateAs } from '@voxbridge/bus';
import type { PluginConfig, PluginsConfig } from '@voxbridge/plugin-sdk';
import { discordBotConfigOf } from './discord-bots.handlers';

const ID = '6f1f7a52-2a6f-4f43-9a43-9a3c4b6b2d11';
const SEALED = { $enc: 'v1', kid: 'k20261201', iv: 'AAAAAAAAAAAAAAAA', ct: 'c2VjcmV0', tag: 'AAAAAAAAAAAAAAAAAAAAAA==' };

function agent(discord: unknown) {
  const plugins: PluginsConfig = discord === undefined ? {} : { discord: discord as PluginConfig };
  return { id: ID, name: 'Helper', updated_at: new Date('2026-12-03T10:00:00Z'), plugins };
}

describe(discordBotConfigOf.name, () => {
  it('gives the token exactly as stored (ciphertext) with the allow-lists, as a valid DiscordBotConfig', () => {
    const sut = discordBotConfigOf(agent({ enabled: true, bot_token: SEALED, guild_ids: ['111111111111111111'], channels: ['333333333333333333'], auto_join: true }));

    expect(sut).toEqual({
      agent_id: ID,
      agent_name: 'Helper',
      updated_at: '2026-12-03T10:00:00.000Z',
      bot_token: SEALED,
      guild_ids: ['111111111111111111'],
      channel_ids: ['333333333333333333'],
      auto_join: true,
    });
    expect(validateAs(sut, DiscordBotConfig, 'refuse').ok).toBe(true);
  });

  it('has no bot for an agent whose discord plugin is absent or disabled', () => {
    expect(discordBotConfigOf(agent(undefined))).toBeNull();
    expect(discordBotConfigOf(agent({ enabled: false, bot_token: SEALED }))).toBeNull();
  });

  it('never sends a plaintext token: says not_encrypted instead', () => {
    const sut = discordBotConfigOf(agent({ enabled: true, bot_token: 'MTIz.plain.token' }));

    expect(sut?.bot_token).toBeNull();
    expect(sut?.token_problem).toBe('not_encrypted');
    expect(JSON.stringify(sut)).not.toContain('MTIz.plain.token');
  });

  it('says missing when the plugin is enabled without a token', () => {
    expect(discordBotConfigOf(agent({ enabled: true }))?.token_problem).toBe('missing');
  });

  it('keeps only snowflake strings in the allow-lists (a JSON number has lost digits already)', () => {
    const sut = discordBotConfigOf(agent({ enabled: true, bot_token: SEALED, guild_ids: ['nope', 123, '111111111111111111', 1.5e17], channel_ids: 'x' }));

    expect(sut?.guild_ids).toEqual(['111111111111111111']);
    expect(sut?.channel_ids).toEqual([]);
  });
});
