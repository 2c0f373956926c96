/**
 * The timeline of one voice turn (ARCHITECTURE §5): epoch-millisecond marks set by the service
 * that saw each moment, in causal order, and the spans between consecutive marks. Every span is
 * either the providers' (or the turn's own policy: the end-of-turn silence, the LLM generating a
 * first sentence) or the fleet's own (a hop between services, queueing, framing). Overhead is the
 * sum of the fleet's spans.
 *
 * By construction the spans are never negative and add up to the total: each mark is read as at
 * least the one before it (a mark that is missing or earlier — a clock step — adds nothing), so
 * `total = Σ spans` exactly. A figure whose marks are missing is left out, never guessed.
 */
export const TIMELINE_MARKS = [
  /** stt-gateway: capture time of the last voiced frame of the utterance. */
  'speech_end',
  /** stt-gateway: when the agent's end-of-turn silence after speech_end is over (speech_end + silence). */
  'end_of_turn_due',
  /** stt-gateway: end of turn decided (later than due when frames arrived late). */
  'end_of_turn',
  /** stt-gateway: the final transcript published. */
  'stt_final',
  /** llm-router: the request sent to the LLM provider (transcript received, prompt assembled). */
  'llm_request',
  /** llm-router: the provider's first token. */
  'llm_first_token',
  /** tts-gateway: the first token received. */
  'tts_first_token',
  /** tts-gateway: the first speakable sentence (or clause) cut from the reply. */
  'first_sentence',
  /** tts-gateway: the first synthesis request sent to the TTS provider. */
  'tts_request',
  /** tts-gateway: the provider's first audio byte. */
  'tts_first_byte',
  /** tts-gateway: the first 20 ms frame published on `audio.out`. */
  'first_frame_published',
  /** the gateway (webrtc, Discord): the first frame sent to the user. */
  'first_frame_sent',
] as const;
export type TimelineMark = (typeof TIMELINE_MARKS)[number];
export type TimelineMarks = Partial<Record<TimelineMark, number>>;

/** Who a span's time belongs to. */
export type SpanOwner = 'policy' | 'provider' | 'fleet';

export interface SpanDefinition {
  name: string;
  from: TimelineMark;
  to: TimelineMark;
  owner: SpanOwner;
  /** What the span is, for the docs and the web app's waterfall. */
  label: string;
}

/** The spans between consecutive marks; their owners decide what counts as overhead. */
export const TIMELINE_SPANS: readonly SpanDefinition[] = [
  { name: 'end_of_turn_ms', from: 'speech_end', to: 'end_of_turn_due', owner: 'policy', label: 'end-of-turn silence' },
  { name: 'end_of_turn_late_ms', from: 'end_of_turn_due', to: 'end_of_turn', owner: 'fleet', label: 'end of turn decided late' },
  { name: 'stt_ms', from: 'end_of_turn', to: 'stt_final', owner: 'provider', label: 'speech-to-text final' },
  { name: 'to_llm_ms', from: 'stt_final', to: 'llm_request', owner: 'fleet', label: 'transcript → LLM request (history, prompt)' },
  { name: 'llm_ttft_ms', from: 'llm_request', to: 'llm_first_token', owner: 'provider', label: 'LLM time to first token' },
  { name: 'to_tts_ms', from: 'llm_first_token', to: 'tts_first_token', owner: 'fleet', label: 'first token → tts-gateway' },
  { name: 'first_sentence_ms', from: 'tts_first_token', to: 'first_sentence', owner: 'provider', label: 'LLM writes the first sentence' },
  { name: 'tts_queue_ms', from: 'first_sentence', to: 'tts_request', owner: 'fleet', label: 'sentence → TTS request' },
  { name: 'tts_ttfb_ms', from: 'tts_request', to: 'tts_first_byte', owner: 'provider', label: 'TTS time to first byte' },
  { name: 'framing_ms', from: 'tts_first_byte', to: 'first_frame_published', owner: 'fleet', label: 'audio → first frame published' },
  { name: 'to_user_ms', from: 'first_frame_published', to: 'first_frame_sent', owner: 'fleet', label: 'frame → sent to the user' },
];

export interface TimelineSpan {
  name: string;
  owner: SpanOwner;
  startMs: number;
  durationMs: number;
}

export interface TurnTimeline {
  /** Speech end → first frame sent; null unless both ends are marked. */
  totalMs: number | null;
  /** Sum of the fleet's spans; null unless every mark is present. */
  overheadMs: number | null;
  /** Each span with its start relative to the first mark; only spans whose two marks are present. */
  spans: TimelineSpan[];
}

/**
 * Spans, total and overhead from the marks. A mark earlier than the one before it counts as that
 * one (a clock step never makes a span negative); the spans of a complete timeline add up to the
 * total exactly.
 */
export function buildTimeline(marks: TimelineMarks): TurnTimeline {
  const spans: TimelineSpan[] = [];
  let floor = Number.NEGATIVE_INFINITY;
  const at = new Map<TimelineMark, number>();
  for (const mark of TIMELINE_MARKS) {
    const value = marks[mark];
    if (value === undefined || !Number.isFinite(value)) continue;
    floor = Math.max(floor, value);
    at.set(mark, floor);
  }
  const origin = at.values().next().value ?? 0;
  for (const span of TIMELINE_SPANS) {
    const from = at.get(span.from);
    const to = at.get(span.to);
    if (from === undefined || to === undefined) continue;
    spans.push({ name: span.name, owner: span.owner, startMs: from - origin, durationMs: to - from });
  }
  const complete = TIMELINE_MARKS.every((mark) => at.has(mark));
  const first = at.get('speech_end');
  const last = at.get('first_frame_sent');
  return {
    totalMs: first !== undefined && last !== undefined ? last - first : null,
    overheadMs: complete ? spans.filter((span) => span.owner === 'fleet').reduce((sum, span) => sum + span.durationMs, 0) : null,
    spans,
  };
}

/** The marks of a timeline as stored and returned by the API (`<mark>_at_ms`). */
export function marksFrom(value: unknown): TimelineMarks {
  const marks: TimelineMarks = {};
  if (typeof value !== 'object' || value === null) return marks;
  for (const mark of TIMELINE_MARKS) {
    const raw = (value as Record<string, unknown>)[mark];
    if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0) marks[mark] = raw;
  }
  return marks;
}
