import type { MessageDto } from '../api/api-types';
import { formatMs } from './widgets';

type Timeline = NonNullable<MessageDto['timeline']>;

/** Span names in words (the API's `name` is the stable key; README "Speed" defines each). */
const LABELS: Record<string, string> = {
  end_of_turn_ms: 'End-of-turn silence',
  end_of_turn_late_ms: 'End of turn decided late',
  stt_ms: 'Speech-to-text',
  to_llm_ms: 'Transcript → LLM',
  llm_ttft_ms: 'LLM first token',
  to_tts_ms: 'Token → TTS',
  first_sentence_ms: 'LLM first sentence',
  tts_queue_ms: 'Sentence → TTS request',
  tts_ttfb_ms: 'TTS first byte',
  framing_ms: 'Audio → frame',
  to_user_ms: 'Frame → you',
};

const OWNER_TITLES = { policy: 'the agent’s end-of-turn setting', provider: 'a provider (STT, LLM or TTS)', fleet: 'VoxBridge itself (overhead)' } as const;

/**
 * A turn's timeline as a waterfall: one bar per span from the user's last word to the first
 * audio sent back, placed where it started and as long as it lasted. Fleet spans (the overhead)
 * stand out from the providers' and the end-of-turn silence.
 */
export function TimelineWaterfall({ timeline, testId }: { timeline: Timeline; testId?: string }) {
  const total = timeline.total_ms ?? timeline.spans.reduce((end, span) => Math.max(end, span.start_ms + span.duration_ms), 0);
  const percent = (ms: number) => `${total > 0 ? Math.round((ms / total) * 1_000) / 10 : 0}%`;
  return (
    <figure className="waterfall" data-testid={testId} data-total-ms={timeline.total_ms ?? undefined}>
      <ol>
        {timeline.spans.map((span) => (
          <li key={span.name} className={`waterfall-row owner-${span.owner}`} title={`${LABELS[span.name] ?? span.name}: ${OWNER_TITLES[span.owner]}`}>
            <span className="waterfall-label">{LABELS[span.name] ?? span.name}</span>
            <span className="waterfall-track">
              <span className="waterfall-bar" style={{ marginLeft: percent(span.start_ms), width: percent(span.duration_ms) }} />
            </span>
            <span className="waterfall-ms">{formatMs(span.duration_ms)}</span>
          </li>
        ))}
      </ol>
      <figcaption>
        First audio after {formatMs(timeline.total_ms)} · VoxBridge overhead {formatMs(timeline.overhead_ms)}
      </figcaption>
    </figure>
  );
}
