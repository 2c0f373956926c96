import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { LatencyBreakdown, unitemizedMs, type Latencies } from './latency-breakdown';

const latencies: Latencies = {
  stt_latency_ms: 150,
  llm_ttft_ms: 250,
  tts_ttfb_ms: 120,
  total_latency_ms: 1_410,
  overhead_ms: 100,
  provider: 'openai_compatible',
  model: 'llama3.2',
};

const figure = (term: string) => within(screen.getByText(term, { selector: '.latencies dt' }).parentElement as HTMLElement).getByRole('definition').textContent;

describe(LatencyBreakdown.name, () => {
  it('without a timeline, names the rest of the time to first audio so the parts add up', () => {
    render(<LatencyBreakdown latencies={latencies} testId="m" />);
    expect(figure('First audio')).toBe('1.41 s');
    expect(figure('Silence + first sentence')).toBe('790 ms');
    expect((unitemizedMs(latencies) ?? 0) + 150 + 250 + 120 + 100).toBe(1_410);
  });

  it('leaves out figures that are missing, negative or not numbers (older turns stored overhead as a difference)', () => {
    render(<LatencyBreakdown latencies={{ ...latencies, overhead_ms: -58, stt_latency_ms: Number.NaN, tts_ttfb_ms: null }} testId="m" />);
    const terms = [...screen.getByTestId('m').querySelectorAll('.latencies dt')].map((dt) => dt.textContent);
    expect(terms).toEqual(['First audio', 'LLM first token', 'Model']);
  });

  it('explains the figures in a disclosure, not in hover-only tooltips', () => {
    render(<LatencyBreakdown latencies={latencies} testId="m" />);
    expect(screen.getByTestId('m').querySelectorAll('[title]')).toHaveLength(0);
    expect(within(screen.getByTestId('m').querySelector('details') as HTMLElement).getByText(/It includes the end-of-turn silence/)).toBeTruthy();
  });
});
