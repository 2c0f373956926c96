import { formatMs } from '../ui/widgets';
import { percentile } from './latency-samples';

export interface Series {
  name: string;
  /** CSS class giving the series its colour (`series-1` …). */
  className: string;
  values: Array<number | null>;
}

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { left: 56, right: 12, top: 12, bottom: 24 };

/** A round axis maximum at or above `max` (1, 2 or 5 times a power of ten). */
export function niceMax(max: number): number {
  if (max <= 0) return 100;
  const power = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 5, 10].find((m) => m * power >= max) ?? 10;
  return step * power;
}

/** A round axis minimum at or below `min` (0 unless something is negative). */
export function niceMin(min: number): number {
  return min >= 0 ? 0 : -niceMax(-min);
}

/** Values a chart can place: anything not a finite number is a gap. */
export function plottable(values: Array<number | null>): Array<number | null> {
  return values.map((value) => (typeof value === 'number' && Number.isFinite(value) ? value : null));
}

/** Consecutive non-null points as SVG path segments; a null breaks the line. */
function pathOf(values: Array<number | null>, x: (i: number) => number, y: (v: number) => number): string {
  let path = '';
  let drawing = false;
  values.forEach((value, i) => {
    if (value === null) {
      drawing = false;
      return;
    }
    path += `${drawing ? 'L' : 'M'}${x(i).toFixed(1)},${y(value).toFixed(1)} `;
    drawing = true;
  });
  return path.trim();
}

/**
 * A small SVG line chart of millisecond values over recent turns, with a text summary for screen
 * readers and, in words under the title, what it shows (readable on touch screens, not a tooltip).
 * Any value is placed inside the frame: negatives extend the axis below 0, non-numbers are gaps.
 */
export function LineChart({ title, description, series: given, testId }: { title: string; description?: string; series: Series[]; testId?: string }) {
  const series = given.map((s) => ({ ...s, values: plottable(s.values) }));
  const count = Math.max(0, ...series.map((s) => s.values.length));
  const all = series.flatMap((s) => s.values).filter((v): v is number => v !== null);
  const top = niceMax(Math.max(0, ...all));
  const bottom = niceMin(Math.min(0, ...all));
  const x = (i: number) => PAD.left + (count <= 1 ? 0 : (i / (count - 1)) * (WIDTH - PAD.left - PAD.right));
  const y = (v: number) => PAD.top + (1 - (v - bottom) / (top - bottom)) * (HEIGHT - PAD.top - PAD.bottom);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => bottom + f * (top - bottom));
  const summary = series
    .map((s) => {
      const last = [...s.values].reverse().find((v) => v !== null) ?? null;
      return `${s.name}: latest ${formatMs(last)}, median ${formatMs(percentile(s.values, 50))}, p95 ${formatMs(percentile(s.values, 95))}`;
    })
    .join('; ');

  return (
    <figure className="card chart" data-testid={testId}>
      <figcaption>
        <h3>{title}</h3>
        {description && <p className="muted small chart-description">{description}</p>}
      </figcaption>
      {all.length === 0 ? (
        <p className="muted">No turns with latencies yet.</p>
      ) : (
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${title} over the last ${count} turns. ${summary}`}>
          {ticks.map((tick) => (
            <g key={tick} className="grid">
              <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} />
              <text x={PAD.left - 6} y={y(tick) + 4} textAnchor="end">
                {formatMs(tick)}
              </text>
            </g>
          ))}
          <text className="axis-label" x={WIDTH - PAD.right} y={HEIGHT - 6} textAnchor="end">
            recent turns →
          </text>
          {series.map((s) => (
            <g key={s.name} className={`series ${s.className}`}>
              <path d={pathOf(s.values, x, y)} />
              {s.values.map((v, i) =>
                v === null ? null : (
                  <circle key={i} cx={x(i)} cy={y(v)} r={3}>
                    <title>{`${s.name}: ${formatMs(v)}`}</title>
                  </circle>
                ),
              )}
            </g>
          ))}
        </svg>
      )}
      <ul className="legend">
        {series.map((s) => (
          <li key={s.name} className={s.className}>
            <span className="swatch" aria-hidden="true" />
            {s.name} <span className="muted small">p50 {formatMs(percentile(s.values, 50))} · p95 {formatMs(percentile(s.values, 95))}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}
