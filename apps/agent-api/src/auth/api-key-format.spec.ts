import { createHash } from 'node:crypto';
import { apiKeyPrefix, generateApiKey, hashApiKey, isApiKeyShaped } from './api-key-format';

describe(generateApiKey.name, () => {
  it('makes vbk_ + 32 random bytes in base64url (43 characters)', () => {
    const sut = generateApiKey();
    expect(sut).toMatch(/^vbk_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(sut.slice(4), 'base64url')).toHaveLength(32);
    expect(generateApiKey()).not.toBe(sut);
  });

  it('uses the given randomness', () => {
    expect(generateApiKey((size) => Buffer.alloc(size, 0xff))).toBe(`vbk_${'_'.repeat(42)}8`);
  });

  it('matches the format VOXBRIDGE_BOOTSTRAP_ADMIN_KEY accepts', () => {
    expect(generateApiKey()).toMatch(/^vbk_[A-Za-z0-9_-]{32,}$/);
  });
});

describe(hashApiKey.name, () => {
  it('is the sha256 hex of the whole key', () => {
    const key = generateApiKey();
    expect(hashApiKey(key)).toBe(createHash('sha256').update(key).digest('hex'));
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe(apiKeyPrefix.name, () => {
  it('is the 8 characters after vbk_', () => {
    expect(apiKeyPrefix('vbk_ABCDEFGHijklmnop')).toBe('ABCDEFGH');
  });
});

describe(isApiKeyShaped.name, () => {
  it('accepts generated keys and refuses anything else without a look-up', () => {
    expect(isApiKeyShaped(generateApiKey())).toBe(true);
    expect(isApiKeyShaped('vbk_short')).toBe(false);
    expect(isApiKeyShaped(`xyz_${'a'.repeat(43)}`)).toBe(false);
    expect(isApiKeyShaped(`vbk_${'a'.repeat(42)}!`)).toBe(false);
    expect(isApiKeyShaped(`vbk_${'a'.repeat(10_000)}`)).toBe(false);
  });
});
