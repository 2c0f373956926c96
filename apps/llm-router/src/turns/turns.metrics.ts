import { Injectable } from '@nestjs/common';
import { MetricsService } from '@voxbridge/platform';
import { Counter, Histogram } from 'prom-client';

const LATENCY_BUCKETS_MS = [25, 50, 100, 200, 300, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 10_000, 30_000];

export type DroppedReason = 'empty_transcript' | 'unknown_turn' | 'not_claimed' | 'floor_queue_full';
/** How an utterance held for another speaker got the floor: they finished, or the wait ran out. */
export type FloorWaitOutcome = 'released' | 'timed_out';

/** Per provider and agent: time to first token; turns by outcome; dropped input. (Turn latencies: session-store.) */
@Injectable()
export class TurnsMetrics {
  private readonly ttftMs: Histogram<'provider' | 'agent'>;
  private readonly turns: Counter<'kind' | 'outcome'>;
  private readonly dropped: Counter<'reason'>;
  private readonly floorWaitMs: Histogram<'outcome'>;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    const labelNames = ['provider', 'agent'] as const;
    this.ttftMs = new Histogram({ name: 'llm_ttft_ms', help: 'Request sent → first token (fallbacks included), ms', labelNames, buckets: LATENCY_BUCKETS_MS, registers });
    this.turns = new Counter({ name: 'llm_router_turns_total', help: 'Turns by kind (voice, text) and outcome (done, error, cancelled)', labelNames: ['kind', 'outcome'], registers });
    this.floorWaitMs = new Histogram({
      name: 'llm_floor_wait_ms',
      help: 'Utterances held while another speaker was mid-utterance: how long, by outcome (released, timed_out), ms',
      labelNames: ['outcome'],
      buckets: LATENCY_BUCKETS_MS,
      registers,
    });
    this.dropped = new Counter({ name: 'llm_router_dropped_events_total', help: 'Bus input dropped without effect, by reason', labelNames: ['reason'], registers });
  }

  firstToken(provider: string, agentId: string, ttftMs: number): void {
    this.ttftMs.observe({ provider, agent: agentId }, ttftMs);
  }

  turnEnded(kind: 'voice' | 'text', outcome: 'done' | 'error' | 'cancelled'): void {
    this.turns.inc({ kind, outcome });
  }

  floorWait(outcome: FloorWaitOutcome, heldMs: number): void {
    this.floorWaitMs.observe({ outcome }, heldMs);
  }

  droppedEvent(reason: DroppedReason): void {
    this.dropped.inc({ reason });
  }
}
