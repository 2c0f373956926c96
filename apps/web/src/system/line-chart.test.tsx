import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { LineChart, niceMax, niceMin, plottable } from './line-chart';

/** Every point's y inside the plot frame (viewBox 640×220, 12 px top and 24 px bottom padding). */
function pointsInFrame(testId: string): boolean {
  const circles = [...screen.getByTestId(testId).querySelectorAll('circle')];
  return circles.length > 0 && circles.every((circle) => Number(circle.getAttribute('cy')) >= 12 && Number(circle.getAttribute('cy')) <= 196);
}

describe(LineChart.name, () => {
  it.each([
    ['negative values', [-58, -1, 12, 40]],
    ['one value', [620]],
    ['all equal', [0, 0, 0]],
    ['a huge outlier', [12, 15, 9_000_000]],
    ['not numbers', [Number.NaN, 10, Number.POSITIVE_INFINITY, null, 20]],
  ])('keeps every point inside the frame with %s', (_what, values) => {
    render(<LineChart title="Overhead" testId="chart" series={[{ name: 'Overhead', className: 'series-2', values }]} />);
    expect(pointsInFrame('chart')).toBe(true);
    expect(screen.getByTestId('chart').querySelector('path')?.getAttribute('d')).not.toMatch(/NaN|Infinity/);
  });

  it('says what it shows in words under the title', () => {
    render(<LineChart title="Time to first audio" description="It includes the end-of-turn silence." testId="chart" series={[{ name: 'x', className: 'series-1', values: [1] }]} />);
    expect(screen.getByTestId('chart').querySelector('figcaption')?.textContent).toContain('It includes the end-of-turn silence.');
  });
});

describe('axis bounds', () => {
  it('rounds outwards and goes below zero only for negative values', () => {
    expect([niceMax(620), niceMax(0), niceMin(0), niceMin(-58)]).toEqual([1_000, 100, 0, -100]);
    expect(plottable([1, Number.NaN, null, Number.NEGATIVE_INFINITY])).toEqual([1, null, null, null]);
  });
});
