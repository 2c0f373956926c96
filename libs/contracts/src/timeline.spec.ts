import { buildTimeline, marksFrom, TIMELINE_MARKS, TIMELINE_SPANS, type TimelineMarks } from './timeline';

const complete: TimelineMarks = {
  speech_end: 1_000,
  end_of_turn_due: 1_600,
  end_of_turn: 1_604,
  stt_final: 1_750,
  llm_request: 1_758,
  llm_first_token: 2_010,
  tts_first_token: 2_012,
  first_sentence: 2_300,
  tts_request: 2_301,
  tts_first_byte: 2_420,
  first_frame_published: 2_423,
  first_frame_sent: 2_425,
};

describe(buildTimeline.name, () => {
  it('splits a complete turn into spans that add up to the total, and sums the fleet\'s as overhead', () => {
    const sut = buildTimeline(complete);
    expect(sut.totalMs).toBe(1_425);
    expect(sut.spans.reduce((sum, span) => sum + span.durationMs, 0)).toBe(1_425);
    expect(sut.overheadMs).toBe(4 + 8 + 2 + 1 + 3 + 2);
    expect(sut.spans.map((span) => span.name)).toEqual(TIMELINE_SPANS.map((span) => span.name));
    expect(sut.spans.find((span) => span.name === 'llm_ttft_ms')).toEqual({ name: 'llm_ttft_ms', owner: 'provider', startMs: 758, durationMs: 252 });
  });

  it('never makes a span negative: a mark earlier than the one before it (a clock step) counts as that one', () => {
    const stepped = { ...complete, llm_request: 1_700, tts_first_token: 1_990 };
    const sut = buildTimeline(stepped);
    expect(sut.spans.every((span) => span.durationMs >= 0)).toBe(true);
    expect(sut.spans.find((span) => span.name === 'to_llm_ms')?.durationMs).toBe(0);
    expect(sut.spans.reduce((sum, span) => sum + span.durationMs, 0)).toBe(sut.totalMs);
    expect(sut.overheadMs).toBeGreaterThanOrEqual(0);
  });

  it('keeps overhead non-negative and the spans summing to the total for any order of marks', () => {
    // A deterministic sweep of scrambled timelines (a linear congruential generator, fixed seed).
    let seed = 42;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    for (let run = 0; run < 500; run++) {
      const marks: TimelineMarks = {};
      for (const mark of TIMELINE_MARKS) marks[mark] = 1_000 + (next() % 3_000);
      const sut = buildTimeline(marks);
      expect(sut.overheadMs).toBeGreaterThanOrEqual(0);
      expect(sut.spans.every((span) => span.durationMs >= 0)).toBe(true);
      expect(sut.spans.reduce((sum, span) => sum + span.durationMs, 0)).toBe(sut.totalMs);
    }
  });

  it('leaves out what it cannot know: no overhead without every mark, no total without both ends', () => {
    const { tts_first_token: _missing, ...partial } = complete;
    const sut = buildTimeline(partial);
    expect(sut.overheadMs).toBeNull();
    expect(sut.totalMs).toBe(1_425);
    expect(sut.spans.map((span) => span.name)).not.toContain('to_tts_ms');
    expect(buildTimeline({ llm_request: 5, llm_first_token: 9 })).toEqual({
      totalMs: null,
      overheadMs: null,
      spans: [{ name: 'llm_ttft_ms', owner: 'provider', startMs: 0, durationMs: 4 }],
    });
  });
});

describe(marksFrom.name, () => {
  it('keeps only known marks with finite, non-negative numbers', () => {
    expect(marksFrom({ speech_end: 5, stt_final: -1, llm_request: 'x', bogus: 3, tts_request: Number.NaN })).toEqual({ speech_end: 5 });
    expect(marksFrom(null)).toEqual({});
  });
});
