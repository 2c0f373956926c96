import type { DiscordBotConfig } from '@voxbridge/contracts';

/** An empty allow-list allows everything of its kind (the bot is only in guilds it was invited to). */
export function guildAllowed(bot: Pick<DiscordBotConfig, 'guild_ids'>, guildId: string): boolean {
  return bot.guild_ids.length === 0 || bot.guild_ids.includes(guildId);
}

/** A voice channel the bot may join: its guild allowed, and the channel too. */
export function channelAllowed(bot: Pick<DiscordBotConfig, 'guild_ids' | 'channel_ids'>, guildId: string, channelId: string): boolean {
  return guildAllowed(bot, guildId) && (bot.channel_ids.length === 0 || bot.channel_ids.includes(channelId));
}

/** What, if changed, needs a new client: the token (allow-lists and names are applied to the running bot). */
export function tokenFingerprint(bot: DiscordBotConfig): string {
  return JSON.stringify([bot.bot_token?.kid ?? null, bot.bot_token?.iv ?? null, bot.bot_token?.ct ?? null, bot.token_problem ?? null]);
}
