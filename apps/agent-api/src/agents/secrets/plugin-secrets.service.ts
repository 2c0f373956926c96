import { Injectable } from '@nestjs/common';
import { AppLogger } from '@voxbridge/platform';
import { KeyRing, maskPlugins, revealPlugins, sealPlugins, type PluginsConfig } from '@voxbridge/plugin-sdk';
import { AgentApiEnv } from '../../config/agent-api.env';

/**
 * Plugin secrets of agent-api: the key ring from the environment, and the field-by-field AES-GCM
 * of libs/plugin-sdk (shared with `tools/secrets`). Never logs a value.
 */
@Injectable()
export class PluginSecretsService {
  private readonly ring: KeyRing;
  private readonly logger: AppLogger;

  constructor(env: AgentApiEnv, logger: AppLogger) {
    this.ring = KeyRing.fromText(env.VOXBRIDGE_ENCRYPTION_KEY, env.VOXBRIDGE_ENCRYPTION_OLD_KEYS);
    this.logger = logger.child({ component: 'plugin-secrets' });
  }

  /** What to store for a client's `plugins`; throws PluginSecretsError (e.g. encryption_key_missing). */
  seal(agentId: string, incoming: PluginsConfig, stored: PluginsConfig): PluginsConfig {
    return sealPlugins(agentId, incoming, stored, this.ring);
  }

  /** Stored plugins with every secret replaced by `{set, last4?}`. */
  mask(agentId: string, stored: PluginsConfig): PluginsConfig {
    return maskPlugins(agentId, stored, this.ring, (error) =>
      this.logger.warn('plugin secret cannot be decrypted; shown as set without last4', {
        agent_id: agentId,
        field: error.field,
        code: error.code,
      }),
    );
  }

  /** Plaintext plugin config for whoever runs the plugins; throws if a secret cannot be read. */
  reveal(agentId: string, stored: PluginsConfig): PluginsConfig {
    return revealPlugins(agentId, stored, this.ring);
  }
}
