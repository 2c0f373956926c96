import { mintVoiceToken, readVoiceToken, signatureMatches, voiceTokenSigningKey } from './voice-token';

describe('voice tokens', () => {
  const key = voiceTokenSigningKey('a'.repeat(64), 'k1:secret');
  const claims = { keyId: '6f1c1f52-4a47-4d4e-9f1e-3f0c2a8f7e10', agentId: '0b7f3c58-37a4-4a39-a2c4-5d0a52d6a1f3', expiresAtMs: 1_800_000_000_000 };

  it('round-trips its claims and verifies with the key that signed it', () => {
    const token = mintVoiceToken(claims, key);
    const read = readVoiceToken(token);
    expect(read).toMatchObject(claims);
    expect(read && signatureMatches(read.body, read.signature, key)).toBe(true);
  });

  it('is refused under another API key or another encryption key', () => {
    const read = readVoiceToken(mintVoiceToken(claims, key));
    if (!read) throw new Error('token did not parse');
    expect(signatureMatches(read.body, read.signature, voiceTokenSigningKey('b'.repeat(64), 'k1:secret'))).toBe(false);
    expect(signatureMatches(read.body, read.signature, voiceTokenSigningKey('a'.repeat(64), 'k2:other'))).toBe(false);
  });

  it('is refused when its claims are edited', () => {
    const token = mintVoiceToken(claims, key);
    const [body = '', signature = ''] = token.slice(4).split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), e: 9_999_999_999_999 })).toString('base64url');
    expect(signatureMatches(forged, signature, key)).toBe(false);
  });

  it.each(['', 'vbk_abc', 'vbt_', 'vbt_abc.def', `vbt_${Buffer.from('not json').toString('base64url')}.${'x'.repeat(43)}`, `vbt_${Buffer.from('{"k":1,"e":2}').toString('base64url')}.${'x'.repeat(43)}`])(
    'reads %j as malformed',
    (token) => expect(readVoiceToken(token)).toBeNull(),
  );
});
