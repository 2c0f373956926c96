import { validateAs } from '@voxbridge/bus';
import { PluginConfigEntry } from '@voxbridge/contracts';
import type { PluginsConfig } from '@voxbridge/plugin-sdk';
import { pluginConfigsOf } from './plugin-configs.handlers';

const ID = '6f1f7a52-2a6f-4f43-9a43-9a3c4b6b2d11';
const SEALED = { $enc: 'v1', kid: 'k20261201', iv: 'AAAAAAAAAAAAAAAA', ct: 'c2VjcmV0', tag: 'AAAAAAAAAAAAAAAAAAAAAA==' };

function agent(plugins: PluginsConfig) {
  return { id: ID, name: 'Helper', updated_at: new Date('2026-12-03T10:00:00Z'), plugins };
}

describe(pluginConfigsOf.name, () => {
  it('gives settings as stored and secrets as ciphertext, as valid entries', () => {
    const sut = pluginConfigsOf(agent({ n8n: { enabled: true, webhook_url: SEALED, secret: SEALED, timeout_ms: 2000, limits: { cpu_percent: 20 } } }));

    expect(sut).toEqual([
      {
        agent_id: ID,
        agent_name: 'Helper',
        plugin_type: 'n8n',
        updated_at: '2026-12-03T10:00:00.000Z',
        settings: { enabled: true, timeout_ms: 2000, limits: { cpu_percent: 20 } },
        secrets: { webhook_url: SEALED, secret: SEALED },
      },
    ]);
    expect(sut.every((entry) => validateAs(entry, PluginConfigEntry, 'refuse').ok)).toBe(true);
  });

  it('leaves out disabled plugins and discord (hosted by discord-connector)', () => {
    expect(pluginConfigsOf(agent({ n8n: { enabled: false }, discord: { enabled: true, bot_token: SEALED } }))).toEqual([]);
  });

  it('never sends a plaintext secret, naming it instead', () => {
    const [entry] = pluginConfigsOf(agent({ webhook: { enabled: true, url: 'https://hooks.example/x', secret: SEALED } }));

    expect(entry?.secrets).toEqual({ secret: SEALED });
    expect(entry?.unencrypted_secrets).toEqual(['url']);
    expect(JSON.stringify(entry)).not.toContain('hooks.example');
  });
});
