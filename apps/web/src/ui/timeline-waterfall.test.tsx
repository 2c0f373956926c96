import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { MessageDto } from '../api/api-types';
import { TimelineWaterfall } from './timeline-waterfall';

const timeline: NonNullable<MessageDto['timeline']> = {
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

describe('TimelineWaterfall', () => {
  it('draws one bar per span, where it started and as long as it lasted, and names the overhead', () => {
    render(<TimelineWaterfall timeline={timeline} testId="waterfall" />);
    const rows = within(screen.getByTestId('waterfall')).getAllByRole('listitem');
    expect(rows.map((row) => row.querySelector('.waterfall-label')?.textContent)).toEqual(['End-of-turn silence', 'Speech-to-text', 'Transcript → LLM', 'LLM first token']);
    const bar = rows[3]?.querySelector<HTMLElement>('.waterfall-bar');
    expect(bar?.style.marginLeft).toBe('75.8%');
    expect(bar?.style.width).toBe('24.2%');
    expect(rows[2]?.className).toContain('owner-fleet');
    expect(screen.getByTestId('waterfall').querySelector('figcaption')?.textContent).toMatch(/overhead 8 ms/);
  });
});
