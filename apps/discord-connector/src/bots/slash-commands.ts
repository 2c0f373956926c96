import type { AppLogger } from '@voxbridge/platform';
import { Events, MessageFlags, SlashCommandBuilder, type ChatInputCommandInteraction, type Client, type Interaction } from 'discord.js';
import type { BotVoice } from '../voice/bot-voice';
import { BotsError } from './bots.errors';
import type { DiscordBot } from './discord-bot';

/** The bot's commands, registered globally (`PUT /applications/<app>/commands`) once it is ready. */
export const SLASH_COMMANDS = [
  new SlashCommandBuilder()
    .setName('agent')
    .setDescription('The VoxBridge agent behind this bot')
    .addSubcommand((sub) => sub.setName('current').setDescription('Which agent this bot speaks for'))
    .addSubcommand((sub) => sub.setName('list').setDescription('The agents with a Discord bot in this fleet'))
    .addSubcommand((sub) =>
      sub
        .setName('select')
        .setDescription('Talk to another agent')
        .addStringOption((option) => option.setName('name').setDescription('Agent name').setRequired(true)),
    ),
  new SlashCommandBuilder()
    .setName('voice')
    .setDescription('The bot in voice channels')
    .addSubcommand((sub) => sub.setName('join').setDescription('Join your voice channel'))
    .addSubcommand((sub) => sub.setName('leave').setDescription('Leave the voice channel of this server')),
].map((command) => command.toJSON());

export interface SlashCommandsDeps {
  /** The agents with a bot (names), as this replica last read them. */
  agents(): { agentId: string; name: string }[];
  logger: AppLogger;
}

/**
 * `/agent current|list|select` and `/voice join|leave`. One bot per agent: `select` does not
 * re-route this bot (it always speaks for its own agent) but names the bot to talk to instead.
 * Replies are ephemeral; refusals name the reason (allow-list, no voice channel), never a secret.
 */
export class SlashCommands {
  private readonly log: AppLogger;
  private readonly onInteraction = (interaction: Interaction) => void this.handle(interaction);

  constructor(
    private readonly bot: DiscordBot,
    private readonly client: Client<true>,
    private readonly voice: BotVoice,
    private readonly deps: SlashCommandsDeps,
  ) {
    this.log = deps.logger.child({ component: 'discord-commands', agent_id: bot.agentId });
    client.on(Events.InteractionCreate, this.onInteraction);
  }

  /** Registers the commands (a failure is logged: voice still works without them). */
  async register(): Promise<void> {
    try {
      await this.client.application.commands.set(SLASH_COMMANDS);
    } catch (error) {
      this.log.warn('discord slash commands not registered', { err: error });
    }
  }

  close(): void {
    this.client.off(Events.InteractionCreate, this.onInteraction);
  }

  private async handle(interaction: Interaction): Promise<void> {
    if (!interaction.isChatInputCommand()) return;
    try {
      await this.answer(interaction);
    } catch (error) {
      const message = error instanceof BotsError ? error.message : 'something went wrong; try again';
      if (!(error instanceof BotsError)) this.log.warn('discord slash command failed', { command: interaction.commandName, err: error });
      await (interaction.deferred || interaction.replied ? interaction.editReply({ content: message }) : interaction.reply({ content: message, flags: MessageFlags.Ephemeral })).catch(
        (replyError: unknown) => this.log.warn('discord slash command answer failed', { err: replyError }),
      );
    }
  }

  private async answer(interaction: ChatInputCommandInteraction): Promise<void> {
    const sub = interaction.options.getSubcommand(false);
    const key = `${interaction.commandName} ${sub ?? ''}`;
    const name = this.bot.settings.agent_name;
    switch (key) {
      case 'agent current':
        await interaction.reply({ content: `This bot speaks for agent **${name}**.`, flags: MessageFlags.Ephemeral });
        return;
      case 'agent list': {
        const lines = this.deps.agents().map((agent) => `${agent.agentId === this.bot.agentId ? '⭐' : '•'} ${agent.name}`);
        await interaction.reply({ content: lines.length ? lines.join('\n') : 'No agent has a Discord bot.', flags: MessageFlags.Ephemeral });
        return;
      }
      case 'agent select': {
        const wanted = interaction.options.getString('name', true);
        const found = this.deps.agents().find((agent) => agent.name.toLowerCase() === wanted.toLowerCase());
        const content = !found
          ? `No agent named "${wanted}" has a Discord bot.`
          : found.agentId === this.bot.agentId
            ? `This bot already speaks for **${found.name}**.`
            : `Each agent has its own bot: invite **${found.name}**'s bot and use its /voice join.`;
        await interaction.reply({ content, flags: MessageFlags.Ephemeral });
        return;
      }
      case 'voice join': {
        const guildId = interaction.guildId;
        const channelId = guildId ? interaction.guild?.voiceStates.cache.get(interaction.user.id)?.channelId : undefined;
        if (!guildId || !channelId) {
          await interaction.reply({ content: 'Join a voice channel first, then use /voice join.', flags: MessageFlags.Ephemeral });
          return;
        }
        await interaction.deferReply({ flags: MessageFlags.Ephemeral });
        const joined = await this.voice.join(guildId, channelId);
        await interaction.editReply({ content: `Joined **${joined.channel_name ?? channelId}**.` });
        return;
      }
      case 'voice leave': {
        const left = interaction.guildId ? await this.voice.leave(interaction.guildId) : false;
        await interaction.reply({ content: left ? 'Left the voice channel.' : 'I am not in a voice channel here.', flags: MessageFlags.Ephemeral });
        return;
      }
      default:
        await interaction.reply({ content: `Unknown command /${key.trim()}.`, flags: MessageFlags.Ephemeral });
    }
  }
}
