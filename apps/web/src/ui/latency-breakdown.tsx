import type { VoiceServerEvents } from '../api/api-types';
import { TimelineWaterfall } from './timeline-waterfall';
import { formatMs } from './widgets';

/** A turn's latencies, as `turn_metrics` and stored messages carry them. */
export type Latencies = Omit<VoiceServerEvents['turn_metrics'], 'turn_id' | 'interrupted' | 'timeline'> & {
  timeline?: VoiceServerEvents['turn_metrics']['timeline'];
};

/** Time to first audio: good under 1 s, fair under 2 s (the voice loop's target is < 1 s). */
export function ttfaGrade(ms: number | null): 'good' | 'fair' | 'slow' | 'unknown' {
  if (ms === null) return 'unknown';
  if (ms < 1000) return 'good';
  return ms < 2000 ? 'fair' : 'slow';
}

export function hasLatencies(value: Partial<Latencies>): boolean {
  return [value.stt_latency_ms, value.llm_ttft_ms, value.tts_ttfb_ms, value.total_latency_ms, value.overhead_ms].some(
    (v) => v !== null && v !== undefined,
  );
}

/**
 * One turn's latencies: a waterfall of its timeline when it has one (voice turns), else each
 * stage, the time to first audio, and what the platform added.
 */
export function LatencyBreakdown({ latencies, testId }: { latencies: Latencies; testId?: string }) {
  const grade = ttfaGrade(latencies.total_latency_ms);
  if (latencies.timeline && latencies.timeline.spans.length > 0) {
    return (
      <div className={`latency-timeline grade-${grade}`} data-testid={testId} data-total-ms={latencies.total_latency_ms ?? undefined}>
        <TimelineWaterfall timeline={latencies.timeline} />
        {(latencies.provider || latencies.model) && <p className="latency-model">{[latencies.provider, latencies.model].filter(Boolean).join(' · ')}</p>}
      </div>
    );
  }
  return (
    <dl className="latencies" data-testid={testId} data-total-ms={latencies.total_latency_ms ?? undefined}>
      <div className={`latency total grade-${grade}`}>
        <dt title="Speech end → first audio out">First audio</dt>
        <dd>{formatMs(latencies.total_latency_ms)}</dd>
      </div>
      <div className="latency">
        <dt title="Speech end → final transcript">STT</dt>
        <dd>{formatMs(latencies.stt_latency_ms)}</dd>
      </div>
      <div className="latency">
        <dt title="LLM request → first token">LLM first token</dt>
        <dd>{formatMs(latencies.llm_ttft_ms)}</dd>
      </div>
      <div className="latency">
        <dt title="TTS request → first audio byte">TTS first byte</dt>
        <dd>{formatMs(latencies.tts_ttfb_ms)}</dd>
      </div>
      <div className="latency">
        <dt title="Time spent by the platform itself (queues, network, glue)">Overhead</dt>
        <dd>{formatMs(latencies.overhead_ms)}</dd>
      </div>
      {(latencies.provider || latencies.model) && (
        <div className="latency model">
          <dt>Model</dt>
          <dd>{[latencies.provider, latencies.model].filter(Boolean).join(' · ')}</dd>
        </div>
      )}
    </dl>
  );
}
