import { Injectable } from '@nestjs/common';
import { MetricsService } from '@voxbridge/platform';
import { Counter, Gauge } from 'prom-client';

/** What a bot's voice counts (per agent). */
export type VoiceCounter = 'packets_in' | 'packets_out' | 'decryption_failures' | 'gaps' | 'frames_dropped' | 'resubscribes';

/** discord-connector on /metrics: per bot (label `agent`, the agent id) guilds, voice connections, packets, failures, reconnects. */
@Injectable()
export class BotsMetrics {
  private readonly held: Gauge;
  private readonly loggedIn: Gauge<'agent'>;
  private readonly guilds: Gauge<'agent'>;
  private readonly connections: Gauge<'agent'>;
  private readonly voice: Record<VoiceCounter, Counter<'agent'>>;
  private readonly reconnects: Counter<'agent'>;
  private readonly loginFailures: Counter<'agent' | 'code'>;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    const labelNames = ['agent'] as const;
    this.held = new Gauge({ name: 'discord_bots_held', help: 'Bots whose lease this replica holds', registers });
    this.loggedIn = new Gauge({ name: 'discord_bot_logged_in', help: '1 while the bot is logged in to Discord', labelNames, registers });
    this.guilds = new Gauge({ name: 'discord_bot_guilds', help: 'Guilds the bot is in', labelNames, registers });
    this.connections = new Gauge({ name: 'discord_voice_connections', help: 'Voice channels the bot is connected to', labelNames, registers });
    this.voice = {
      packets_in: new Counter({ name: 'discord_voice_packets_in_total', help: 'Opus packets received from speakers', labelNames, registers }),
      packets_out: new Counter({ name: 'discord_voice_packets_out_total', help: 'Opus packets played to the channel', labelNames, registers }),
      decryption_failures: new Counter({ name: 'discord_voice_decryption_failures_total', help: 'Receive packets or streams lost to decryption failures', labelNames, registers }),
      gaps: new Counter({ name: 'discord_voice_gaps_total', help: 'Gaps in a speaker’s packets filled with silence', labelNames, registers }),
      frames_dropped: new Counter({ name: 'discord_voice_frames_dropped_total', help: 'Agent audio frames dropped: their turn was interrupted or cancelled', labelNames, registers }),
      resubscribes: new Counter({ name: 'discord_voice_resubscribes_total', help: 'Speaker receive streams subscribed again after they failed or ended', labelNames, registers }),
    };
    this.reconnects = new Counter({ name: 'discord_bot_reconnects_total', help: 'Gateway and voice reconnects of the bot', labelNames, registers });
    this.loginFailures = new Counter({ name: 'discord_bot_login_failures_total', help: 'Failed logins, by error code', labelNames: ['agent', 'code'], registers });
  }

  botsHeld(count: number): void {
    this.held.set(count);
  }

  loggedInState(agent: string, loggedIn: boolean): void {
    this.loggedIn.set({ agent }, loggedIn ? 1 : 0);
  }

  guildCount(agent: string, count: number): void {
    this.guilds.set({ agent }, count);
  }

  connectionCount(agent: string, count: number): void {
    this.connections.set({ agent }, count);
  }

  count(agent: string, what: VoiceCounter, by = 1): void {
    this.voice[what].inc({ agent }, by);
  }

  reconnect(agent: string): void {
    this.reconnects.inc({ agent });
  }

  loginFailed(agent: string, code: string): void {
    this.loginFailures.inc({ agent, code });
  }

  /** A bot stopped here: its gauges go (counters stay, Prometheus handles resets). */
  forget(agent: string): void {
    this.loggedIn.remove({ agent });
    this.guilds.remove({ agent });
    this.connections.remove({ agent });
  }
}
