import { percentile, summarize } from './stats';

describe(summarize.name, () => {
  it('reports nearest-rank percentiles of the samples', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(summarize(samples)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100, mean: 50.5 });
  });

  it('handles one sample and no samples', () => {
    expect(summarize([7])).toMatchObject({ p50: 7, p99: 7, max: 7 });
    expect(Number.isNaN(percentile([], 50))).toBe(true);
  });
});
