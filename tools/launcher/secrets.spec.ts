import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LauncherErrorCode } from './launcher.errors';
import { newAdminKey, newEncryptionKey, prepareSecrets } from './secrets';

describe(newAdminKey.name, () => {
  it('makes vbk_ + 32 random bytes in base64url, the format agent-api accepts', () => {
    const sut = newAdminKey();
    expect(sut).toMatch(/^vbk_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(sut.slice(4), 'base64url')).toHaveLength(32);
    expect(newAdminKey()).not.toBe(sut);
  });
});

describe(newEncryptionKey.name, () => {
  it('makes k<yyyymmdd>:<base64 of 32 bytes>, the format VOXBRIDGE_ENCRYPTION_KEY accepts', () => {
    const sut = newEncryptionKey(new Date('2026-11-25T23:59:00Z'), (size) => Buffer.alloc(size, 1));
    expect(sut).toBe(`k20261125:${Buffer.alloc(32, 1).toString('base64')}`);
    expect(sut).toMatch(/^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=$/);
  });
});

describe(prepareSecrets.name, () => {
  let home: string;
  const now = new Date('2026-11-25T10:00:00Z');
  const mode = (file: string) => statSync(file).mode & 0o777;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'vb-secrets-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('generates both keys once, private to the user (0600), and reuses them on later starts', () => {
    const first = prepareSecrets(home, {}, now);
    expect(first.adminKey).toEqual({ value: expect.stringMatching(/^vbk_/), file: join(home, 'admin-key'), created: true });
    expect(first.encryptionKey).toEqual({ value: expect.stringMatching(/^k20261125:/), file: join(home, 'encryption-key'), created: true });
    expect(mode(join(home, 'admin-key'))).toBe(0o600);
    expect(mode(join(home, 'encryption-key'))).toBe(0o600);
    expect(readFileSync(join(home, 'admin-key'), 'utf8')).toBe(`${first.adminKey?.value}\n`);

    const second = prepareSecrets(home, {}, new Date('2027-01-01T00:00:00Z'));
    expect(second.adminKey).toEqual({ ...first.adminKey, created: false });
    expect(second.encryptionKey).toEqual({ ...first.encryptionKey, created: false });
  });

  it('leaves both alone when the user set them in the environment', () => {
    const sut = prepareSecrets(home, { VOXBRIDGE_BOOTSTRAP_ADMIN_KEY: newAdminKey(), VOXBRIDGE_ENCRYPTION_KEY: newEncryptionKey(now) }, now);
    expect(sut).toEqual({ adminKey: null, encryptionKey: null });
    expect(() => statSync(join(home, 'admin-key'))).toThrow();
    expect(() => statSync(join(home, 'encryption-key'))).toThrow();
  });

  it('refuses a damaged key file, naming the file but not what is in it', () => {
    writeFileSync(join(home, 'admin-key'), 'hunter2\n');
    expect(() => prepareSecrets(home, {}, now)).toThrow(
      expect.objectContaining({ code: LauncherErrorCode.BadConfig, message: expect.stringContaining(join(home, 'admin-key')) }),
    );
    expect(() => prepareSecrets(home, {}, now)).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });
});
