import { isUuid, type PluginConfigEntry } from '@voxbridge/contracts';
import { encryptField, generateEncryptionKey, KeyRing, parseEncryptionKey } from '@voxbridge/plugin-sdk';
import { pluginLeaseId } from './plugin-leases';
import { fingerprintOf, PluginModules, pluginSpecOf, PluginSpecError } from './plugin-specs';

const AGENT = '6f1f7a52-2a6f-4f43-9a43-9a3c4b6b2d11';
const keyText = generateEncryptionKey();
const ring = KeyRing.fromText(keyText);
const defaults = { cpuPercent: 50, rssMb: 500 };
const sealedUrl = encryptField('https://hooks.example/x', parseEncryptionKey(keyText), { agentId: AGENT, pluginType: 'n8n', field: 'webhook_url' });

function entry(overrides: Partial<PluginConfigEntry> = {}): PluginConfigEntry {
  return {
    agent_id: AGENT,
    agent_name: 'Helper',
    plugin_type: 'n8n',
    updated_at: '2026-12-04T10:00:00.000Z',
    settings: { enabled: true, timeout_ms: 2000, limits: { cpu_percent: 20 } },
    secrets: { webhook_url: sealedUrl },
    ...overrides,
  };
}

describe(pluginSpecOf.name, () => {
  it('hands the plugin its settings with secrets decrypted, without the supervisor’s fields, with its limits', () => {
    const sut = pluginSpecOf(entry(), new PluginModules(undefined), ring, defaults);

    expect(sut.config).toEqual({ timeout_ms: 2000, webhook_url: 'https://hooks.example/x' });
    expect(sut.limits).toEqual({ cpuPercent: 20, rssBytes: 500 * 1_048_576 });
    expect(sut.modulePath).toMatch(/builtin\/n8n\/n8n\.plugin\.ts$/);
  });

  it('refuses a type no module provides, and secrets it cannot open, naming the field but never the value', () => {
    expect(() => pluginSpecOf(entry({ plugin_type: 'slack' }), new PluginModules(undefined), ring, defaults)).toThrow(PluginSpecError);
    const otherRing = KeyRing.fromText(generateEncryptionKey());
    const attempt = () => pluginSpecOf(entry(), new PluginModules(undefined), otherRing, defaults);
    expect(attempt).toThrow(PluginSpecError);
    expect(attempt).not.toThrow(/hooks\.example/);
  });

  it('resolves PLUGIN_MODULES paths against the working directory and keeps package names', () => {
    const sut = new PluginModules('example=./docs/plugins-example,other=some-package', '/work/main');

    expect(sut.resolve('example')).toBe('/work/main/docs/plugins-example');
    expect(sut.resolve('other')).toBe('some-package');
    expect(sut.resolve('missing')).toBeUndefined();
  });
});

describe(pluginLeaseId.name, () => {
  it('is one UUID per agent and type, the same on every replica', () => {
    const sut = pluginLeaseId(AGENT, 'n8n');

    expect(isUuid(sut)).toBe(true);
    expect(pluginLeaseId(AGENT, 'n8n')).toBe(sut);
    expect(pluginLeaseId(AGENT, 'webhook')).not.toBe(sut);
  });
});

describe(fingerprintOf.name, () => {
  it('changes with the plugin’s config, not with the agent’s other changes', () => {
    expect(fingerprintOf(entry({ updated_at: '2026-12-05T00:00:00.000Z' }))).toBe(fingerprintOf(entry()));
    expect(fingerprintOf(entry({ settings: { enabled: true, timeout_ms: 3000 } }))).not.toBe(fingerprintOf(entry()));
  });
});
