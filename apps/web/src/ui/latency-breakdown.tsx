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

/** A figure worth showing: a finite number ≥ 0 (older turns stored overhead as a difference that could be negative). */
const shown = (ms: number | null | undefined): number | null => (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : null);

/**
 * Without a timeline: time to first audio minus the parts shown is the end-of-turn silence plus the
 * LLM writing its first sentence (README "Speed"). Null unless every part is known.
 */
export function unitemizedMs(latencies: Latencies): number | null {
  const parts = [latencies.stt_latency_ms, latencies.llm_ttft_ms, latencies.tts_ttfb_ms, latencies.overhead_ms].map(shown);
  const total = shown(latencies.total_latency_ms);
  if (total === null || parts.some((part) => part === null)) return null;
  const rest = total - parts.reduce<number>((sum, part) => sum + (part ?? 0), 0);
  return rest > 0 ? rest : null;
}

/** The figures of a turn without a timeline; only those it has are shown (a user message has only STT). */
const FIGURES: Array<[string, (latencies: Latencies) => number | null | undefined]> = [
  ['First audio', (l) => l.total_latency_ms],
  ['STT', (l) => l.stt_latency_ms],
  ['LLM first token', (l) => l.llm_ttft_ms],
  ['TTS first byte', (l) => l.tts_ttfb_ms],
  ['Overhead', (l) => l.overhead_ms],
];

const EXPLAIN: Array<[string, string]> = [
  ['First audio', 'From your last word to the first audio of the answer reaching you. It includes the end-of-turn silence: the pause the agent waits for before answering.'],
  ['STT', 'The speech-to-text provider producing the final transcript.'],
  ['LLM first token', 'The LLM provider’s time to its first token.'],
  ['TTS first byte', 'The text-to-speech provider’s time to its first audio.'],
  ['Overhead', 'Time VoxBridge itself added: hops between services, queues, framing.'],
  ['Silence + first sentence', 'The rest of the time to first audio: the end-of-turn silence and the LLM writing a first sentence to speak.'],
];

/**
 * One turn's latencies: a waterfall of its timeline when it has one (voice turns), else each
 * stage, the time to first audio, and what the platform added, with what each means one tap away.
 */
export function LatencyBreakdown({ latencies, testId }: { latencies: Latencies; testId?: string }) {
  const grade = ttfaGrade(shown(latencies.total_latency_ms));
  if (latencies.timeline && latencies.timeline.spans.length > 0) {
    return (
      <div className={`latency-timeline grade-${grade}`} data-testid={testId} data-total-ms={latencies.total_latency_ms ?? undefined}>
        <TimelineWaterfall timeline={latencies.timeline} />
        {(latencies.provider || latencies.model) && <p className="latency-model">{[latencies.provider, latencies.model].filter(Boolean).join(' · ')}</p>}
      </div>
    );
  }
  const rest = unitemizedMs(latencies);
  return (
    <div className="latency-breakdown" data-testid={testId} data-total-ms={latencies.total_latency_ms ?? undefined}>
      <dl className="latencies">
        {FIGURES.filter(([, read]) => shown(read(latencies)) !== null).map(([term, read]) => (
          <div key={term} className={term === 'First audio' ? `latency total grade-${grade}` : 'latency'}>
            <dt>{term}</dt>
            <dd>{formatMs(shown(read(latencies)))}</dd>
          </div>
        ))}
        {rest !== null && (
          <div className="latency">
            <dt>Silence + first sentence</dt>
            <dd>{formatMs(rest)}</dd>
          </div>
        )}
        {(latencies.provider || latencies.model) && (
          <div className="latency model">
            <dt>Model</dt>
            <dd>{[latencies.provider, latencies.model].filter(Boolean).join(' · ')}</dd>
          </div>
        )}
      </dl>
      <details className="latency-help">
        <summary>What these are</summary>
        <dl>
          {EXPLAIN.map(([term, meaning]) => (
            <div key={term}>
              <dt>{term}</dt>
              <dd>{meaning}</dd>
            </div>
          ))}
        </dl>
      </details>
    </div>
  );
}
