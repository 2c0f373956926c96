import { Injectable } from '@nestjs/common';
import { Bus } from '@voxbridge/bus';
import { AUDIO_OUT_FRAME_BYTES, FRAME_DURATION_MS } from '@voxbridge/contracts';
import { AppLogger, TurnFacts } from '@voxbridge/platform';
import type { WebSocket } from 'ws';
import { WebrtcGatewayEnv } from '../config/webrtc-gateway.env';
import { deferBy, FrameBatch } from './frame-batch';
import { TurnMetricsRelay } from './turn-metrics.relay';
import { VoiceConnection, type VoiceConnectionDeps, type VoiceUpgrade } from './voice-connection';
import { VoiceFleetClient } from './voice-fleet.client';
import { VoiceMetrics } from './voice.metrics';

/** Microphone frames wait at most this long to leave with the others (a quarter of a frame). */
const AUDIO_IN_BATCH_MS = 5;

/** Builds a VoiceConnection for an accepted socket, with everything it shares with the others. */
@Injectable()
export class VoiceConnectionFactory {
  private readonly deps: VoiceConnectionDeps;

  constructor(bus: Bus, fleet: VoiceFleetClient, relay: TurnMetricsRelay, metrics: VoiceMetrics, facts: TurnFacts, config: WebrtcGatewayEnv, logger: AppLogger) {
    const log = logger.child({ component: 'ws-voice' });
    this.deps = {
      bus,
      facts,
      fleet,
      frames: new FrameBatch(
        (subject, payload, meta) => bus.publishFrame(subject, payload, meta),
        (error) => log.warn('voice frame not published to the bus', { err: error }),
        deferBy(AUDIO_IN_BATCH_MS),
      ),
      relay,
      metrics,
      logger: log,
      maxBufferedBytes: Math.round((config.VOICE_MAX_BUFFERED_MS / FRAME_DURATION_MS) * AUDIO_OUT_FRAME_BYTES),
    };
  }

  create(ws: WebSocket, upgrade: VoiceUpgrade): VoiceConnection {
    return new VoiceConnection(ws, upgrade, this.deps);
  }
}
