import type { DiscordBotConfig } from '@voxbridge/contracts';
import { decryptField, KeyRing, PluginSecretsError } from '@voxbridge/plugin-sdk';
import { BotsError, BotsErrorCode } from './bots.errors';

/**
 * Opens an agent's bot token with the fleet's key ring: the only place the plaintext exists. The
 * errors name the field and the reason, never the value.
 */
export class BotTokenVault {
  constructor(private readonly ring: KeyRing) {}

  static fromKeys(current: string | undefined, old: string | undefined): BotTokenVault {
    return new BotTokenVault(KeyRing.fromText(current, old));
  }

  open(bot: DiscordBotConfig): string {
    if (!bot.bot_token) {
      const why = bot.token_problem === 'not_encrypted' ? 'is stored unencrypted (run `npm run secrets -- reencrypt --apply`)' : 'is not set';
      throw new BotsError(BotsErrorCode.TokenUnusable, `plugins.discord.bot_token ${why}`);
    }
    if (!this.ring.current && !this.ring.get(bot.bot_token.kid)) {
      throw new BotsError(BotsErrorCode.TokenUnusable, 'VOXBRIDGE_ENCRYPTION_KEY is not configured: the bot token cannot be decrypted');
    }
    try {
      return decryptField(bot.bot_token, this.ring, { agentId: bot.agent_id, pluginType: 'discord', field: 'bot_token' });
    } catch (error) {
      if (error instanceof PluginSecretsError) throw new BotsError(BotsErrorCode.TokenUnusable, error.message, { cause: error });
      throw error;
    }
  }
}
