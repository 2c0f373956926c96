import { Injectable } from '@nestjs/common';
import { Bus } from '@voxbridge/bus';
import { AUDIO_OUT_FRAME_BYTES, FRAME_DURATION_MS } from '@voxbridge/contracts';
import { AppLogger, TurnFacts } from '@voxbridge/platform';
import type { WebSocket } from 'ws';
import { WebrtcGatewayEnv } from '../config/webrtc-gateway.env';
import { TurnMetricsRelay } from './turn-metrics.relay';
import { VoiceConnection, type VoiceConnectionDeps, type VoiceUpgrade } from './voice-connection';
import { VoiceFleetClient } from './voice-fleet.client';
import { VoiceMetrics } from './voice.metrics';

/** Builds a VoiceConnection for an accepted socket, with everything it shares with the others. */
@Injectable()
export class VoiceConnectionFactory {
  private readonly deps: VoiceConnectionDeps;

  constructor(bus: Bus, fleet: VoiceFleetClient, relay: TurnMetricsRelay, metrics: VoiceMetrics, facts: TurnFacts, config: WebrtcGatewayEnv, logger: AppLogger) {
    this.deps = {
      bus,
      facts,
      fleet,
      relay,
      metrics,
      logger: logger.child({ component: 'ws-voice' }),
      maxBufferedBytes: Math.round((config.VOICE_MAX_BUFFERED_MS / FRAME_DURATION_MS) * AUDIO_OUT_FRAME_BYTES),
    };
  }

  create(ws: WebSocket, upgrade: VoiceUpgrade): VoiceConnection {
    return new VoiceConnection(ws, upgrade, this.deps);
  }
}
