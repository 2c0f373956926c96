import { FernetError, FernetErrorCode, fernetDecrypt, fernetEncrypt, generateFernetKey, parseFernetKey } from './fernet';

// The Fernet spec's own vector (github.com/fernet/spec, generate.json / verify.json).
const SPEC_KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const SPEC_TOKEN = 'gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==';
const SPEC_NOW = new Date('1985-10-26T01:20:00-07:00');
const SPEC_IV = Buffer.from([...Array(16).keys()]);

function codeOf(run: () => unknown): FernetErrorCode | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof FernetError ? error.code : undefined;
  }
}

describe(fernetDecrypt.name, () => {
  it('decrypts the spec vector', () => {
    const sut = fernetDecrypt(SPEC_TOKEN, parseFernetKey(SPEC_KEY));

    expect(sut.toString('utf8')).toBe('hello');
  });

  it('refuses a token made under another key as a bad signature', () => {
    const token = fernetEncrypt('bot-token', parseFernetKey(generateFernetKey()));

    const sut = codeOf(() => fernetDecrypt(token, parseFernetKey(SPEC_KEY)));

    expect(sut).toBe(FernetErrorCode.BadSignature);
  });

  it('refuses a token with one ciphertext byte changed', () => {
    const bytes = Buffer.from(SPEC_TOKEN, 'base64url');
    bytes[30] = (bytes[30] ?? 0) ^ 1;

    const sut = codeOf(() => fernetDecrypt(bytes.toString('base64url'), parseFernetKey(SPEC_KEY)));

    expect(sut).toBe(FernetErrorCode.BadSignature);
  });

  it.each([['not base64!'], ['gAAAAA'], [Buffer.alloc(73, 0x81).toString('base64url')]])('refuses %j as not a token', (token) => {
    expect(codeOf(() => fernetDecrypt(token, parseFernetKey(SPEC_KEY)))).toBe(FernetErrorCode.InvalidToken);
  });
});

describe(fernetEncrypt.name, () => {
  it('produces the spec vector for its time and IV', () => {
    const sut = fernetEncrypt('hello', parseFernetKey(SPEC_KEY), SPEC_NOW, SPEC_IV);

    expect(sut).toBe(SPEC_TOKEN);
  });

  it('round-trips UTF-8 text under a generated key', () => {
    const key = parseFernetKey(generateFernetKey());

    const sut = fernetDecrypt(fernetEncrypt('Bøt tøken ✓', key), key);

    expect(sut.toString('utf8')).toBe('Bøt tøken ✓');
  });
});

describe(parseFernetKey.name, () => {
  it('takes the unpadded form too', () => {
    const sut = parseFernetKey(SPEC_KEY.replace(/=+$/, ''));

    expect(sut.signingKey.toString('hex')).toBe(parseFernetKey(SPEC_KEY).signingKey.toString('hex'));
  });

  it.each([['too-short'], [Buffer.alloc(16).toString('base64url')], ['k1:' + Buffer.alloc(32).toString('base64')]])(
    'refuses %j without echoing it',
    (text) => {
      let message = '';
      try {
        parseFernetKey(text);
      } catch (error) {
        message = error instanceof FernetError ? `${error.code}: ${error.message}` : 'other';
      }
      expect(message).toMatch(/^invalid_key: /);
      expect(message).not.toContain(text);
    },
  );
});
