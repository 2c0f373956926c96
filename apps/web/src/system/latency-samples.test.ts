import { describe, expect, it } from 'vitest';
import type { MessageDto } from '../api/api-types';
import { mergeSamples, percentile, samplesFrom } from './latency-samples';

function message(overrides: Partial<MessageDto>): MessageDto {
  return {
    id: 'm',
    session_id: 's',
    turn_id: null,
    role: 'assistant',
    content: '',
    speaker: null,
    created_at: '2026-11-25T10:00:00.000Z',
    stt_latency_ms: null,
    llm_ttft_ms: null,
    tts_ttfb_ms: null,
    total_latency_ms: null,
    overhead_ms: null,
    interrupted: false,
    timeline: null,
    provider: null,
    model: null,
    ...overrides,
  };
}

describe('samplesFrom', () => {
  it('takes the end-of-turn silence from the timeline, and leaves out figures that are negative or not numbers', () => {
    const timeline = {
      marks_at_ms: {},
      spans: [{ name: 'end_of_turn_ms', owner: 'policy' as const, start_ms: 0, duration_ms: 600 }],
      total_ms: 1_410,
      overhead_ms: null,
    };
    const [sample] = samplesFrom([message({ id: 'a1', turn_id: 't1', total_latency_ms: 1_410, overhead_ms: -58, stt_latency_ms: Number.NaN, timeline })]);
    expect(sample).toMatchObject({ totalMs: 1_410, silenceMs: 600, overheadMs: null, sttMs: null });
  });

  it('makes one sample per turn from the messages that carry latencies', () => {
    const samples = samplesFrom([
      message({ id: 'u1', role: 'user', turn_id: 't1', stt_latency_ms: 150 }),
      message({ id: 'a1', turn_id: 't1', total_latency_ms: 700, overhead_ms: 60, llm_ttft_ms: 300, tts_ttfb_ms: 120, interrupted: true }),
      message({ id: 'a0', content: 'appended through the API' }),
    ]);
    expect(samples).toEqual([
      { key: 't1', at: '2026-11-25T10:00:00.000Z', totalMs: 700, overheadMs: 60, sttMs: 150, llmTtftMs: 300, ttsTtfbMs: 120, silenceMs: null, interrupted: true },
    ]);
  });
});

describe('mergeSamples', () => {
  const sample = (key: string, at: string, totalMs: number) => ({ key, at, totalMs, overheadMs: null, sttMs: null, llmTtftMs: null, ttsTtfbMs: null, silenceMs: null, interrupted: false });

  it('keeps the newest samples in time order without counting a turn twice', () => {
    const stored = [sample('t2', '2026-11-25T10:02:00Z', 200), sample('t1', '2026-11-25T10:01:00Z', 100)];
    const live = [sample('t2', '2026-11-25T10:02:00Z', 250), sample('t3', '2026-11-25T10:03:00Z', 300)];
    expect(mergeSamples(stored, live, 2).map((s) => [s.key, s.totalMs])).toEqual([
      ['t2', 250],
      ['t3', 300],
    ]);
  });
});

describe('percentile', () => {
  it('takes the nearest rank and ignores missing values', () => {
    const values = [null, 500, 100, 400, 200, 300];
    expect(percentile(values, 50)).toBe(300);
    expect(percentile(values, 95)).toBe(500);
    expect(percentile([null], 50)).toBeNull();
  });
});
