import { Injectable } from '@nestjs/common';
import { MetricsService } from '@voxbridge/platform';
import { Counter, Gauge } from 'prom-client';

/** Why a client frame did not reach `audio.in`, or an `audio.out` frame did not reach the client. */
export type FrameDropReason = 'wrong_size' | 'muted' | 'not_ready' | 'turn_cancelled';

/** webrtc-gateway on /metrics: open sockets, frames in and out, drops, and how sockets closed. */
@Injectable()
export class VoiceMetrics {
  private readonly sockets: Gauge;
  private readonly frames: Counter<'direction'>;
  private readonly dropped: Counter<'reason'>;
  private readonly closes: Counter<'code'>;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.sockets = new Gauge({ name: 'webrtc_voice_sockets', help: 'Open /ws/voice sockets on this replica', registers });
    this.frames = new Counter({
      name: 'webrtc_audio_frames_total',
      help: 'Audio frames relayed: in (client → audio.in) and out (audio.out → client)',
      labelNames: ['direction'],
      registers,
    });
    this.dropped = new Counter({
      name: 'webrtc_audio_frames_dropped_total',
      help: 'Audio frames dropped, by reason (wrong_size: client frame not 640 bytes; turn_cancelled: audio.out of a cancelled turn)',
      labelNames: ['reason'],
      registers,
    });
    this.closes = new Counter({ name: 'webrtc_voice_closes_total', help: '/ws/voice sockets closed, by close code', labelNames: ['code'], registers });
  }

  socketsOpen(count: number): void {
    this.sockets.set(count);
  }

  frameRelayed(direction: 'in' | 'out'): void {
    this.frames.inc({ direction });
  }

  frameDropped(reason: FrameDropReason): void {
    this.dropped.inc({ reason });
  }

  closed(code: number): void {
    this.closes.inc({ code: String(code) });
  }
}
