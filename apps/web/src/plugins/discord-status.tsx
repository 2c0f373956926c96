import { ApiError, describeError } from '../api/api-client';
import type { DiscordVoiceStatusReply } from '../api/api-types';
import { useResource } from '../ui/use-resource';

/** What the page can say of an agent's Discord bot. */
export type DiscordRuntime = 'checking' | 'running' | 'starting' | 'failed' | 'stopped' | 'not_running' | 'unknown';

export interface DiscordSummary {
  state: DiscordRuntime;
  text: string;
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/**
 * The answer of `GET /api/plugins/discord/voice/status/:agent_id` (or its failure) in one sentence.
 * Only what discord-connector reports: a bot it does not run is "not running", never assumed fine.
 */
export function summarizeDiscord(status: DiscordVoiceStatusReply | undefined, error: unknown): DiscordSummary {
  if (error instanceof ApiError && error.status === 404) {
    return { state: 'not_running', text: 'Not running: this agent has no enabled Discord bot (enable it and set a bot token, then save).' };
  }
  if (error instanceof ApiError && error.status === 503) {
    return { state: 'not_running', text: 'Not running: discord-connector is not running, or no replica has started this bot yet.' };
  }
  if (error) return { state: 'unknown', text: `State unknown: ${describeError(error)}` };
  if (!status) return { state: 'checking', text: 'Asking discord-connector…' };
  const { bot, guilds, connections } = status;
  switch (bot.state) {
    case 'logged_in': {
      const name = bot.username ? ` as ${bot.username}` : '';
      const voice = connections.length ? `, in ${plural(connections.length, 'voice channel', 'voice channels')}` : ', in no voice channel';
      return { state: 'running', text: `Running: logged in${name}, on ${plural(guilds.length, 'server', 'servers')}${voice}.` };
    }
    case 'starting':
      return { state: 'starting', text: 'Starting: the bot is logging in to Discord.' };
    case 'failed':
      return { state: 'failed', text: `Not running: the bot failed${bot.error ? ` (${bot.error})` : ''}.` };
    case 'stopped':
      return { state: 'stopped', text: 'Not running: the bot is stopped.' };
  }
}

export type LoadDiscordStatus = (agentId: string) => Promise<DiscordVoiceStatusReply>;

/** An agent's Discord bot as discord-connector reports it now (`load`: ApiClient.discordStatus), with a button to ask again. */
export function DiscordStatus({ agentId, agentName, load, compact = false }: { agentId: string; agentName: string; load: LoadDiscordStatus; compact?: boolean }) {
  const status = useResource(() => load(agentId), `discord|${agentId}`);
  const summary = status.loading ? summarizeDiscord(undefined, null) : summarizeDiscord(status.data, status.error);
  return (
    <span className={`discord-status discord-${summary.state}`} data-testid="discord-status" data-state={summary.state}>
      {compact ? `Discord — ${summary.text}` : summary.text}
      {!compact && (
        <>
          {' '}
          <button type="button" className="ghost small" onClick={status.reload} disabled={status.loading} aria-label={`Check again: ${agentName}’s Discord bot`}>
            Check again
          </button>
        </>
      )}
    </span>
  );
}
