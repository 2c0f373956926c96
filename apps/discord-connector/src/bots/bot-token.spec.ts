import type { DiscordBotConfig } from '@voxbridge/contracts';
import { encryptField, generateEncryptionKey, parseEncryptionKey } from '@voxbridge/plugin-sdk';
import { BotTokenVault } from './bot-token';
import { BotsError, BotsErrorCode } from './bots.errors';

const AGENT = '6f1f7a52-2a6f-4f43-9a43-9a3c4b6b2d11';
const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.fake-bot-token-for-tests';

function bot(overrides: Partial<DiscordBotConfig> = {}): DiscordBotConfig {
  return { agent_id: AGENT, agent_name: 'Helper', updated_at: '2026-12-03T00:00:00.000Z', bot_token: null, guild_ids: [], channel_ids: [], auto_join: false, ...overrides };
}

function refusal(open: () => unknown): BotsError {
  try {
    open();
  } catch (error) {
    if (error instanceof BotsError) return error;
    throw error;
  }
  throw new Error('expected a BotsError');
}

describe(BotTokenVault.name, () => {
  const keyText = generateEncryptionKey(new Date('2026-12-01T00:00:00Z'));
  const key = parseEncryptionKey(keyText);
  const sealed = encryptField(TOKEN, key, { agentId: AGENT, pluginType: 'discord', field: 'bot_token' });

  it('opens a token sealed by agent-api for the same agent with the fleet key', () => {
    const sut = BotTokenVault.fromKeys(keyText, undefined);

    expect(sut.open(bot({ bot_token: sealed }))).toBe(TOKEN);
  });

  it('opens a token sealed under an old key that is still listed', () => {
    const sut = BotTokenVault.fromKeys(generateEncryptionKey(), keyText);

    expect(sut.open(bot({ bot_token: sealed }))).toBe(TOKEN);
  });

  it('refuses a token moved to another agent (bound to its agent), without showing it', () => {
    const sut = BotTokenVault.fromKeys(keyText, undefined);

    const error = refusal(() => sut.open(bot({ agent_id: '0b7d3d55-1e1e-4c1f-8d9a-2f3c4d5e6f70', bot_token: sealed })));

    expect(error.code).toBe(BotsErrorCode.TokenUnusable);
    expect(error.message).toContain('plugins.discord.bot_token');
    expect(error.message).not.toContain(TOKEN);
  });

  it('refuses when no key is configured, saying which variable', () => {
    const error = refusal(() => BotTokenVault.fromKeys(undefined, undefined).open(bot({ bot_token: sealed })));

    expect(error.code).toBe(BotsErrorCode.TokenUnusable);
    expect(error.message).toContain('VOXBRIDGE_ENCRYPTION_KEY');
  });

  it('refuses a token under a key it does not have', () => {
    const error = refusal(() => BotTokenVault.fromKeys(generateEncryptionKey(), undefined).open(bot({ bot_token: sealed })));

    expect(error.code).toBe(BotsErrorCode.TokenUnusable);
    expect(error.message).toContain(key.id);
  });

  it('says why there is no token: not set, or stored unencrypted', () => {
    const sut = BotTokenVault.fromKeys(keyText, undefined);

    expect(refusal(() => sut.open(bot({ token_problem: 'missing' }))).message).toContain('is not set');
    expect(refusal(() => sut.open(bot({ token_problem: 'not_encrypted' }))).message).toContain('unencrypted');
  });
});
