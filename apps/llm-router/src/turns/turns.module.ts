import { Module } from '@nestjs/common';
import { ProviderChains } from './provider-chains';
import { TextTurnsHandlers } from './text-turns.handlers';
import { TurnInputs } from './turn-inputs';
import { TurnOutput } from './turn-output';
import { TurnsMetrics } from './turns.metrics';
import { TurnsService } from './turns.service';
import { VoiceSessionsService } from './voice-sessions.service';

/** Voice turns (claimed sessions), text turns, barge-in and durable commits. */
@Module({ providers: [TurnsMetrics, ProviderChains, TurnInputs, TurnOutput, TurnsService, VoiceSessionsService, TextTurnsHandlers] })
export class TurnsModule {}
