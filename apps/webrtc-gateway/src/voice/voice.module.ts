import { Module } from '@nestjs/common';
import { TurnMetricsRelay } from './turn-metrics.relay';
import { VoiceConnectionFactory } from './voice-connection.factory';
import { VoiceFleetClient } from './voice-fleet.client';
import { VoiceMetrics } from './voice.metrics';
import { VoiceServer } from './voice.server';

/** `/ws/voice`: the browser's voice socket, relaying one session's media plane per socket. */
@Module({ providers: [VoiceMetrics, VoiceFleetClient, TurnMetricsRelay, VoiceConnectionFactory, VoiceServer] })
export class VoiceModule {}
