import type { MessageDto } from '../api/api-types';
import { formatMs } from './widgets';

type Timeline = NonNullable<MessageDto['timeline']>;
type Owner = Timeline['spans'][number]['owner'];

/** Span names in words, and what each is (the API's `name` is the stable key; README "Speed" defines each). */
const SPANS: Record<string, { label: string; explain: string }> = {
  end_of_turn_ms: { label: 'End-of-turn silence', explain: 'The pause the agent waits for after your last word before it answers (its “pause that ends a turn” setting).' },
  end_of_turn_late_ms: { label: 'End of turn decided late', explain: 'The silence was over but the decision came later: audio frames reached stt-gateway late.' },
  stt_ms: { label: 'Speech-to-text', explain: 'The STT provider turning your words into the final transcript.' },
  to_llm_ms: { label: 'Transcript → LLM', explain: 'llm-router fetching the history and building the prompt before it asks the LLM.' },
  llm_ttft_ms: { label: 'LLM first token', explain: 'The LLM provider’s time to its first token.' },
  to_tts_ms: { label: 'Token → TTS', explain: 'The first token travelling from llm-router to tts-gateway.' },
  first_sentence_ms: { label: 'LLM first sentence', explain: 'The LLM writing enough for a first sentence to speak.' },
  tts_queue_ms: { label: 'Sentence → TTS request', explain: 'tts-gateway sending that sentence to the TTS provider.' },
  tts_ttfb_ms: { label: 'TTS first byte', explain: 'The TTS provider’s time to its first audio.' },
  framing_ms: { label: 'Audio → frame', explain: 'Cutting the audio into 20 ms frames and publishing the first.' },
  to_user_ms: { label: 'Frame → you', explain: 'The first frame travelling to the gateway and out to your browser.' },
};

const OWNERS: Record<Owner, { label: string; explain: string }> = {
  policy: { label: 'silence', explain: 'waiting for you to finish' },
  provider: { label: 'providers', explain: 'speech-to-text, LLM and text-to-speech' },
  fleet: { label: 'VoxBridge', explain: 'the overhead: hops between services, queues, framing' },
};

/** A duration fit to draw: a number ≥ 0, or 0 (a missing, negative or non-finite value adds nothing). */
const safeMs = (ms: number | null | undefined): number => (typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : 0);

export interface WaterfallSpan {
  name: string;
  owner: Owner;
  startMs: number;
  durationMs: number;
}

export interface WaterfallModel {
  spans: WaterfallSpan[];
  /** Speech end → first audio: the API's total, or the spans' end when it has none. */
  totalMs: number;
  /** Per owner, in the order the sum is written. */
  byOwner: Array<{ owner: Owner; ms: number }>;
  /** Part of the total no span covers (a service did not report its moment); 0 for a complete timeline. */
  unmeasuredMs: number;
}

/**
 * The timeline as it is drawn: spans laid end to end in order (each starts where the previous
 * ended, so the bars add up to the total by construction), durations that are missing, negative or
 * not numbers counted as 0, and what no span covers named instead of hidden.
 */
export function waterfallModel(timeline: Timeline): WaterfallModel {
  let cursor = 0;
  const spans = timeline.spans.map((span) => {
    const durationMs = safeMs(span.duration_ms);
    // A gap before a span (its earlier marks missing) stays visible as a gap.
    const startMs = Math.max(cursor, safeMs(span.start_ms));
    cursor = startMs + durationMs;
    return { name: span.name, owner: span.owner, startMs, durationMs };
  });
  const spansEnd = cursor;
  const totalMs = Math.max(safeMs(timeline.total_ms), spansEnd);
  const covered = spans.reduce((sum, span) => sum + span.durationMs, 0);
  const byOwner = (['policy', 'provider', 'fleet'] as const).map((owner) => ({
    owner,
    ms: spans.filter((span) => span.owner === owner).reduce((sum, span) => sum + span.durationMs, 0),
  }));
  return { spans, totalMs, byOwner, unmeasuredMs: Math.max(0, totalMs - covered) };
}

/** `1.41 s = 600 ms silence + 620 ms providers + 190 ms VoxBridge`: the parts that make the total. */
export function sumSentence(model: WaterfallModel): string {
  const parts = model.byOwner.filter((part) => part.ms > 0 || part.owner !== 'policy').map((part) => `${formatMs(part.ms)} ${OWNERS[part.owner].label}`);
  if (model.unmeasuredMs > 0) parts.push(`${formatMs(model.unmeasuredMs)} not reported`);
  return `${formatMs(model.totalMs)} = ${parts.join(' + ')}`;
}

/**
 * A turn's timeline as a waterfall: one bar per span from the user's last word to the first audio
 * sent back, laid end to end, so the bars add up to the total written under them. The end-of-turn
 * silence is named; what each bar is can be opened on any device (no hover-only tooltips).
 */
export function TimelineWaterfall({ timeline, testId }: { timeline: Timeline; testId?: string }) {
  const model = waterfallModel(timeline);
  const percent = (ms: number) => `${model.totalMs > 0 ? Math.round((ms / model.totalMs) * 1_000) / 10 : 0}%`;
  return (
    <figure className="waterfall" data-testid={testId} data-total-ms={model.totalMs}>
      <ol>
        {model.spans.map((span) => (
          <li key={span.name} className={`waterfall-row owner-${span.owner}`} data-span={span.name}>
            <span className="waterfall-label">
              {SPANS[span.name]?.label ?? span.name}
              <span className="visually-hidden"> ({OWNERS[span.owner].label})</span>
            </span>
            <span className="waterfall-track" aria-hidden="true">
              <span className="waterfall-bar" style={{ marginLeft: percent(span.startMs), width: percent(span.durationMs) }} />
            </span>
            <span className="waterfall-ms">{formatMs(span.durationMs)}</span>
          </li>
        ))}
      </ol>
      <figcaption>
        <span className="waterfall-sum" data-testid="waterfall-sum">
          First audio {sumSentence(model)}
        </span>
        <details className="waterfall-help">
          <summary>What these are</summary>
          <ul className="waterfall-legend">
            {(['policy', 'provider', 'fleet'] as const).map((owner) => (
              <li key={owner} className={`owner-${owner}`}>
                <span className="swatch" aria-hidden="true" /> {OWNERS[owner].label}: {OWNERS[owner].explain}
              </li>
            ))}
          </ul>
          <dl>
            {model.spans.map((span) => (
              <div key={span.name}>
                <dt>{SPANS[span.name]?.label ?? span.name}</dt>
                <dd>{SPANS[span.name]?.explain ?? 'A step this version of the app does not describe.'}</dd>
              </div>
            ))}
          </dl>
          {model.unmeasuredMs > 0 && <p>“Not reported”: a service did not report one of its moments for this turn, so that part of the time is not itemised.</p>}
        </details>
      </figcaption>
    </figure>
  );
}
