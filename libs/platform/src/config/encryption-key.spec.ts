import { ConfigError, loadConfig } from './load-config';
import { EncryptionKey, EncryptionOldKeys } from './encryption-key';
import { redactConfig } from './secret';
import { ServiceEnv } from './service-env';

class KeysEnv extends ServiceEnv {
  @EncryptionKey()
  VOXBRIDGE_ENCRYPTION_KEY?: string;

  @EncryptionOldKeys()
  VOXBRIDGE_ENCRYPTION_OLD_KEYS?: string;
}

const key = (id: string) => `${id}:${Buffer.alloc(32, id.length).toString('base64')}`;

describe(EncryptionKey.name, () => {
  it('accepts a key and a list of old keys, and keeps both out of the logs', () => {
    const sut = loadConfig('keys', KeysEnv, { VOXBRIDGE_ENCRYPTION_KEY: key('k2'), VOXBRIDGE_ENCRYPTION_OLD_KEYS: `${key('k1')},${key('k0a')}` });
    expect(sut.VOXBRIDGE_ENCRYPTION_KEY).toBe(key('k2'));
    expect(JSON.stringify(redactConfig(sut))).not.toContain(key('k2').split(':')[1]);
  });

  it('is optional', () => {
    expect(loadConfig('keys', KeysEnv, {}).VOXBRIDGE_ENCRYPTION_KEY).toBeUndefined();
  });

  it('refuses a malformed key or list, naming the variable and never echoing the value', () => {
    const refusal = (env: Record<string, string>) => {
      try {
        loadConfig('keys', KeysEnv, env);
      } catch (error) {
        return (error as ConfigError).message;
      }
      return 'accepted';
    };
    expect(refusal({ VOXBRIDGE_ENCRYPTION_KEY: 'k1:short' })).toContain('VOXBRIDGE_ENCRYPTION_KEY: must be <key id>:<32 bytes in base64> (value hidden)');
    expect(refusal({ VOXBRIDGE_ENCRYPTION_OLD_KEYS: `${key('k1')};${key('k2')}` })).toContain('VOXBRIDGE_ENCRYPTION_OLD_KEYS: must be comma-separated');
    expect(refusal({ VOXBRIDGE_ENCRYPTION_KEY: 'k1:short' })).not.toContain('short');
  });
});
