import { Injectable } from '@nestjs/common';
import { MetricsService } from '@voxbridge/platform';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { TurnEvent } from '../vad';

/** Why a frame on `audio.in` was not processed (`too_many_speakers`: the session has STT_MAX_SPEAKERS_PER_SESSION open). */
export type FrameDropReason = 'wrong_size' | 'too_many_speakers';
/** Why a bus message was refused (`unknown_session`: a release or control for a session nobody here holds). */
export type RejectReason = 'unknown_session' | 'session_mismatch' | 'agent_not_found' | 'agent_unavailable';

/** stt-gateway on /metrics: sessions held, dropped frames, refused messages, provider latency and errors. */
@Injectable()
export class SttMetrics {
  private readonly framesDropped: Counter<'reason'>;
  private readonly rejected: Counter<'reason'>;
  private readonly latencyMs: Histogram<'provider' | 'agent'>;
  private readonly providerErrors: Counter<'provider' | 'code'>;
  private readonly sessions: Gauge;
  private readonly vadEvents: Counter<'kind'>;
  private readonly speakers: Gauge;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.framesDropped = new Counter({
      name: 'stt_frames_dropped_total',
      help: 'audio.in frames dropped, by reason (wrong_size: not 640 bytes; too_many_speakers: the session is at its speaker bound)',
      labelNames: ['reason'],
      registers,
    });
    this.rejected = new Counter({
      name: 'stt_messages_rejected_total',
      help: 'Claims, releases and control events refused, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.latencyMs = new Histogram({
      name: 'stt_latency_ms',
      help: 'End of turn decided to final transcript, in milliseconds, per provider and agent',
      labelNames: ['provider', 'agent'],
      buckets: [25, 50, 100, 150, 200, 300, 500, 750, 1_000, 1_500, 2_500, 5_000, 10_000],
      registers,
    });
    this.providerErrors = new Counter({
      name: 'stt_provider_errors_total',
      help: 'Utterances that ended in a transcript error event, per provider and error code',
      labelNames: ['provider', 'code'],
      registers,
    });
    this.speakers = new Gauge({ name: 'stt_speakers_active', help: 'Speaker streams open (each its own VAD and provider stream), all sessions', registers });
    this.sessions = new Gauge({ name: 'stt_sessions_active', help: 'Sessions this replica is listening to', registers });
    this.vadEvents = new Counter({
      name: 'stt_vad_events_total',
      help: 'Detector decisions, by kind: voice_onset (tentative), voice_dismissed (a burst), speech_started, speech_stopped, end_of_turn',
      labelNames: ['kind'],
      registers,
    });
  }

  vadEvent(kind: TurnEvent['type']): void {
    this.vadEvents.inc({ kind });
  }

  frameDropped(reason: FrameDropReason): void {
    this.framesDropped.inc({ reason });
  }

  messageRejected(reason: RejectReason): void {
    this.rejected.inc({ reason });
  }

  final(provider: string, agentId: string, latencyMs: number): void {
    this.latencyMs.observe({ provider, agent: agentId }, latencyMs);
  }

  providerError(provider: string, code: string): void {
    this.providerErrors.inc({ provider, code });
  }

  /** +1 when a speaker stream opens, -n when n close. */
  speakersActive(delta: number): void {
    this.speakers.inc(delta);
  }

  sessionsActive(count: number): void {
    this.sessions.set(count);
  }
}
