import { fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { MessageDto } from '../api/api-types';
import { sumSentence, TimelineWaterfall, waterfallModel } from './timeline-waterfall';

type Timeline = NonNullable<MessageDto['timeline']>;

const timeline: Timeline = {
  marks_at_ms: {},
  spans: [
    { name: 'end_of_turn_ms', owner: 'policy', start_ms: 0, duration_ms: 600 },
    { name: 'stt_ms', owner: 'provider', start_ms: 600, duration_ms: 150 },
    { name: 'to_llm_ms', owner: 'fleet', start_ms: 750, duration_ms: 8 },
    { name: 'llm_ttft_ms', owner: 'provider', start_ms: 758, duration_ms: 242 },
  ],
  total_ms: 1_000,
  overhead_ms: 8,
};

describe(TimelineWaterfall.name, () => {
  it('draws one bar per span, where it started and as long as it lasted', () => {
    render(<TimelineWaterfall timeline={timeline} testId="waterfall" />);
    const rows = within(screen.getByTestId('waterfall')).getAllByRole('listitem').filter((row) => row.classList.contains('waterfall-row'));
    expect(rows.map((row) => row.querySelector('.waterfall-label')?.firstChild?.textContent)).toEqual(['End-of-turn silence', 'Speech-to-text', 'Transcript → LLM', 'LLM first token']);
    const bar = rows[3]?.querySelector<HTMLElement>('.waterfall-bar');
    expect(bar?.style.marginLeft).toBe('75.8%');
    expect(bar?.style.width).toBe('24.2%');
    expect(rows[2]?.className).toContain('owner-fleet');
  });

  it('writes the sum the bars make, with the end-of-turn silence named', () => {
    render(<TimelineWaterfall timeline={timeline} testId="waterfall" />);
    expect(screen.getByTestId('waterfall-sum').textContent).toBe('First audio 1.00 s = 600 ms silence + 392 ms providers + 8 ms VoxBridge');
  });

  it('explains each bar in a disclosure that opens with a tap, not in hover-only tooltips', () => {
    render(<TimelineWaterfall timeline={timeline} testId="waterfall" />);
    const figure = screen.getByTestId('waterfall');
    expect(figure.querySelectorAll('[title]')).toHaveLength(0);
    const help = figure.querySelector('details') as HTMLDetailsElement;
    fireEvent.click(screen.getByText('What these are'));
    expect(help.open).toBe(true);
    expect(within(help).getByText(/The pause the agent waits for after your last word/)).toBeTruthy();
  });
});

describe('waterfallModel', () => {
  it('adds up: the owners’ sums and the unreported rest make the total', () => {
    const model = waterfallModel(timeline);
    expect(model.byOwner.reduce((sum, part) => sum + part.ms, 0) + model.unmeasuredMs).toBe(model.totalMs);
    expect(model.unmeasuredMs).toBe(0);
  });

  it('counts negative, missing and non-numeric durations as nothing, and never draws a bar before the previous one ends', () => {
    const model = waterfallModel({
      marks_at_ms: {},
      spans: [
        { name: 'end_of_turn_ms', owner: 'policy', start_ms: 0, duration_ms: 600 },
        { name: 'end_of_turn_late_ms', owner: 'fleet', start_ms: 600, duration_ms: -58 },
        { name: 'stt_ms', owner: 'provider', start_ms: 542, duration_ms: Number.NaN },
        { name: 'to_llm_ms', owner: 'fleet', start_ms: Number.POSITIVE_INFINITY, duration_ms: 10 },
      ],
      total_ms: null,
      overhead_ms: -1,
    });
    expect(model.spans.map((span) => [span.startMs, span.durationMs])).toEqual([
      [0, 600],
      [600, 0],
      [600, 0],
      [600, 10],
    ]);
    expect(model.totalMs).toBe(610);
    expect(sumSentence(model)).toBe('610 ms = 600 ms silence + 0 ms providers + 10 ms VoxBridge');
  });

  it('names the time no span covers when a service did not report its moment', () => {
    const model = waterfallModel({
      marks_at_ms: {},
      spans: [
        { name: 'end_of_turn_ms', owner: 'policy', start_ms: 0, duration_ms: 600 },
        { name: 'tts_ttfb_ms', owner: 'provider', start_ms: 1_200, duration_ms: 200 },
      ],
      total_ms: 1_410,
      overhead_ms: null,
    });
    expect(model.spans[1]?.startMs).toBe(1_200);
    expect(sumSentence(model)).toBe('1.41 s = 600 ms silence + 200 ms providers + 0 ms VoxBridge + 610 ms not reported');
  });

  it('draws a timeline whose total is zero without dividing by it', () => {
    render(<TimelineWaterfall timeline={{ marks_at_ms: {}, spans: [{ name: 'stt_ms', owner: 'provider', start_ms: 0, duration_ms: 0 }], total_ms: 0, overhead_ms: 0 }} testId="w" />);
    expect(screen.getByTestId('w').querySelector<HTMLElement>('.waterfall-bar')?.style.width).toBe('0%');
  });
});
