import { Injectable } from '@nestjs/common';
import { MetricsService } from '@voxbridge/platform';
import { Counter, Gauge, Histogram } from 'prom-client';

export type TurnOutcome = 'done' | 'interrupted';
export type BadInputReason = 'invalid' | 'wrong_session';
/** How a pause at a `voice_onset` ended: resumed (dismissed, timed out) or cancelled (confirmed speech). */
export type HoldOutcome = 'dismissed' | 'confirmed' | 'timed_out';

/** tts-gateway on /metrics: time to first audio per provider and agent, frames out, turns, drops. */
@Injectable()
export class SessionsMetrics {
  private readonly ttfbMs: Histogram<'provider' | 'agent'>;
  private readonly frames: Counter<'provider'>;
  private readonly turns: Counter<'outcome'>;
  private readonly providerErrors: Counter<'provider' | 'code'>;
  private readonly badInput: Counter<'stream' | 'reason'>;
  private readonly sessions: Gauge;
  private readonly pauses: Counter;
  private readonly pausesEnded: Counter<'outcome'>;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.ttfbMs = new Histogram({
      name: 'tts_ttfb_ms',
      help: "Time from a turn's first synthesis request to the provider's first audio byte, in milliseconds",
      labelNames: ['provider', 'agent'],
      buckets: [25, 50, 100, 150, 200, 300, 500, 750, 1_000, 1_500, 2_500, 5_000, 10_000],
      registers,
    });
    this.frames = new Counter({
      name: 'tts_frames_published_total',
      help: 'audio.out frames (20 ms, 24 kHz) published, by the provider that synthesized them',
      labelNames: ['provider'],
      registers,
    });
    this.turns = new Counter({
      name: 'tts_turns_total',
      help: 'Turns spoken, by outcome: done (played to the end) or interrupted (cancelled, superseded, session ended)',
      labelNames: ['outcome'],
      registers,
    });
    this.providerErrors = new Counter({
      name: 'tts_provider_errors_total',
      help: 'TTS provider failures during a turn, by provider and error code',
      labelNames: ['provider', 'code'],
      registers,
    });
    this.badInput = new Counter({
      name: 'tts_bad_input_total',
      help: 'Messages on a session stream dropped because they were invalid or named another session',
      labelNames: ['stream', 'reason'],
      registers,
    });
    this.sessions = new Gauge({ name: 'tts_sessions_active', help: 'Voice sessions this replica is speaking for', registers });
    this.pauses = new Counter({ name: 'tts_turn_pauses_total', help: 'Turns paused at a vad voice_onset (the user may be starting to speak)', registers });
    this.pausesEnded = new Counter({
      name: 'tts_turn_pauses_ended_total',
      help: 'Pauses ended, by outcome: dismissed (resumed after a burst), confirmed (speech: the turn is cancelled), timed_out (resumed by the safety timeout)',
      labelNames: ['outcome'],
      registers,
    });
  }

  turnPaused(): void {
    this.pauses.inc();
  }

  pauseEnded(outcome: HoldOutcome): void {
    this.pausesEnded.inc({ outcome });
  }

  ttfb(provider: string, agentId: string, ms: number): void {
    this.ttfbMs.observe({ provider, agent: agentId }, ms);
  }

  framePublished(provider: string): void {
    this.frames.inc({ provider });
  }

  turnEnded(outcome: TurnOutcome): void {
    this.turns.inc({ outcome });
  }

  providerFailed(provider: string, code: string): void {
    this.providerErrors.inc({ provider, code });
  }

  inputDropped(stream: string, reason: BadInputReason): void {
    this.badInput.inc({ stream, reason });
  }

  activeSessions(count: number): void {
    this.sessions.set(count);
  }
}
