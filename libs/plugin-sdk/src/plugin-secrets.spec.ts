import { randomBytes } from 'node:crypto';
import { decryptField, encryptField, generateEncryptionKey, KeyRing, parseEncryptionKey } from './field-crypto';
import { pluginsProblems } from './plugin-registry';
import { PluginSecretsErrorCode } from './plugin-secrets.errors';
import { maskPlugins, maskSecret, reencryptPlugins, revealPlugins, sealPlugins } from './plugin-secrets';

const key = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const at = { agentId: 'a1', pluginType: 'discord', field: 'bot_token' };
const TOKEN = 'discord-token-0123456789';

describe('field crypto', () => {
  const ring = KeyRing.fromText(key('k1'));
  const current = ring.current ?? parseEncryptionKey(key('never'));

  it('round-trips a value with a fresh 12-byte IV each time', () => {
    const first = encryptField(TOKEN, current, at);
    const second = encryptField(TOKEN, current, at);
    expect(first).toMatchObject({ $enc: 'v1', kid: 'k1' });
    expect(Buffer.from(first.iv, 'base64')).toHaveLength(12);
    expect(first.iv).not.toBe(second.iv);
    expect(JSON.stringify(first)).not.toContain(TOKEN);
    expect(decryptField(first, ring, at)).toBe(TOKEN);
  });

  it.each([
    ['iv', (v: Record<string, string>) => ({ ...v, iv: randomBytes(12).toString('base64') })],
    ['tag', (v: Record<string, string>) => ({ ...v, tag: randomBytes(16).toString('base64') })],
    ['ct', (v: Record<string, string>) => ({ ...v, ct: Buffer.from('tampered').toString('base64') })],
  ])('refuses a ciphertext whose %s was changed', (_part, tamper) => {
    const sealed = encryptField(TOKEN, current, at);
    const tampered = tamper(sealed as unknown as Record<string, string>) as unknown as typeof sealed;
    expect(() => decryptField(tampered, ring, at)).toThrow(expect.objectContaining({ code: PluginSecretsErrorCode.DecryptFailed }));
  });

  it('refuses a ciphertext moved to another agent, plugin or field (AAD)', () => {
    const sealed = encryptField(TOKEN, current, at);
    for (const moved of [{ ...at, agentId: 'a2' }, { ...at, pluginType: 'telegram' }, { ...at, field: 'secret' }]) {
      expect(() => decryptField(sealed, ring, moved)).toThrow(expect.objectContaining({ code: PluginSecretsErrorCode.DecryptFailed }));
    }
  });

  it('refuses a wrong key with the same id and names an unknown key id', () => {
    const sealed = encryptField(TOKEN, current, at);
    expect(() => decryptField(sealed, KeyRing.fromText(key('k1')), at)).toThrow(expect.objectContaining({ code: PluginSecretsErrorCode.DecryptFailed }));
    expect(() => decryptField(sealed, KeyRing.fromText(key('k2')), at)).toThrow(expect.objectContaining({ code: PluginSecretsErrorCode.UnknownKey }));
  });

  it('parses generated keys and refuses malformed ones', () => {
    expect(parseEncryptionKey(generateEncryptionKey()).key).toHaveLength(32);
    expect(() => parseEncryptionKey('k1:short')).toThrow(expect.objectContaining({ code: PluginSecretsErrorCode.InvalidKey }));
  });
});

describe('plugin secrets', () => {
  const oldKey = key('old');
  const newKey = key('new');

  it('masks with last4 only for values of 12 characters or more', () => {
    expect(maskSecret('abcdefghijkl')).toEqual({ set: true, last4: 'ijkl' });
    expect(maskSecret('abcdefghijk')).toEqual({ set: true });
  });

  it('seals, masks, keeps on the masked value or omission, clears on null', () => {
    const ring = KeyRing.fromText(oldKey);
    const stored = sealPlugins('a1', { discord: { enabled: true, bot_token: TOKEN, prefix: '!' } }, {}, ring);
    expect(JSON.stringify(stored)).not.toContain(TOKEN);
    const masked = maskPlugins('a1', stored, ring);
    expect(masked).toEqual({ discord: { enabled: true, prefix: '!', bot_token: { set: true, last4: '6789' } } });
    const discord = masked['discord'] ?? { enabled: false };
    expect(revealPlugins('a1', sealPlugins('a1', { discord }, stored, ring), ring)['discord']?.['bot_token']).toBe(TOKEN);
    expect(revealPlugins('a1', sealPlugins('a1', { discord: { enabled: true } }, stored, ring), ring)['discord']?.['bot_token']).toBe(TOKEN);
    expect(sealPlugins('a1', { discord: { enabled: true, bot_token: null } }, stored, ring)).toEqual({ discord: { enabled: true } });
  });

  it('refuses to store a secret without a key, but stores secret-free plugins', () => {
    const none = KeyRing.fromText(undefined);
    expect(() => sealPlugins('a1', { discord: { enabled: true, bot_token: TOKEN } }, {}, none)).toThrow(
      expect.objectContaining({ code: PluginSecretsErrorCode.EncryptionKeyMissing, field: 'plugins.discord.bot_token' }),
    );
    expect(sealPlugins('a1', { discord: { enabled: false } }, {}, none)).toEqual({ discord: { enabled: false } });
  });

  it('re-encrypts old-key and plaintext secrets under the current key, then changes nothing', () => {
    const stored = sealPlugins('a1', { slack: { enabled: true, bot_token: TOKEN } }, {}, KeyRing.fromText(oldKey));
    const imported = { ...stored, telegram: { enabled: true, bot_token: 'plain-telegram-token' } };
    const ring = KeyRing.fromText(newKey, oldKey);
    const first = reencryptPlugins('a1', imported, ring);
    expect(first.changes).toEqual({ slack: { reencrypted: 1, encrypted: 0 }, telegram: { reencrypted: 0, encrypted: 1 } });
    expect(JSON.stringify(first.plugins)).not.toContain('"kid":"old"');
    expect(reencryptPlugins('a1', first.plugins, ring).changes).toEqual({});
    expect(revealPlugins('a1', first.plugins, KeyRing.fromText(newKey))).toEqual({
      slack: { enabled: true, bot_token: TOKEN },
      telegram: { enabled: true, bot_token: 'plain-telegram-token' },
    });
  });

  it('names unknown plugin types, non-object configs and bad secret values', () => {
    expect(pluginsProblems({ discord: { enabled: true, bot_token: 'x' }, webhook: { url: { set: true } } })).toEqual({});
    expect(Object.keys(pluginsProblems({ myspace: {}, telegram: 'x', slack: { enabled: 'yes', bot_token: 5 } })).sort()).toEqual([
      'plugins.myspace',
      'plugins.slack.bot_token',
      'plugins.slack.enabled',
      'plugins.telegram',
    ]);
    expect(pluginsProblems([])).toEqual({ plugins: ['must be an object keyed by plugin type'] });
  });
});
