/**
 * Sample-rate conversion of PCM16 mono for speech, streaming (state carried across chunks, so
 * frame boundaries leave no clicks). Linear interpolation; when downsampling, a moving-average
 * low-pass first (width = the rate ratio) keeps most aliasing out of the speech band. Good for
 * speech engines' 16–48 kHz; not a mastering-grade converter.
 */
export class Resampler {
  private readonly window: number;
  /** Output samples produced so far: the next one sits at input position produced × from / to. */
  private produced = 0;
  /** Global input index of `history[0]`. */
  private historyStart = 0;
  private history: number[] = [];
  private readonly filterTail: number[] = [];

  constructor(
    readonly fromHz: number,
    readonly toHz: number,
  ) {
    if (!(fromHz > 0 && toHz > 0)) throw new RangeError(`sample rates must be positive, got ${fromHz} → ${toHz}`);
    this.window = fromHz > toHz ? Math.max(1, Math.round(fromHz / toHz)) : 1;
  }

  push(input: Int16Array): Int16Array {
    if (this.fromHz === this.toHz) return input.slice();
    const filtered = this.lowPass(input);
    const samples = this.history.concat(filtered);
    const out: number[] = [];
    // Positions are computed from integer counters, never accumulated, so chunking cannot drift.
    for (;;) {
      const position = (this.produced * this.fromHz) / this.toHz - this.historyStart;
      const index = Math.floor(position);
      if (index + 1 >= samples.length) break;
      const a = samples[index] ?? 0;
      const b = samples[index + 1] ?? a;
      out.push(Math.round(a + (b - a) * (position - index)));
      this.produced += 1;
    }
    const next = Math.floor((this.produced * this.fromHz) / this.toHz) - this.historyStart;
    const keepFrom = Math.max(0, Math.min(next, samples.length));
    this.history = samples.slice(keepFrom);
    this.historyStart += keepFrom;
    return Int16Array.from(out, (v) => Math.max(-32768, Math.min(32767, v)));
  }

  /** The samples still held back (at most one input sample), interpolated out; the resampler resets. */
  flush(): Int16Array {
    const last = this.history[this.history.length - 1];
    const position = (this.produced * this.fromHz) / this.toHz - this.historyStart;
    const out = last === undefined || position >= this.history.length ? new Int16Array(0) : Int16Array.of(Math.round(last));
    this.history = [];
    this.produced = 0;
    this.historyStart = 0;
    this.filterTail.length = 0;
    return out;
  }

  private lowPass(input: Int16Array): number[] {
    if (this.window === 1) return Array.from(input);
    const out: number[] = new Array<number>(input.length);
    const tail = this.filterTail;
    let sum = tail.reduce((acc, v) => acc + v, 0);
    for (let i = 0; i < input.length; i++) {
      const sample = input[i] ?? 0;
      tail.push(sample);
      sum += sample;
      if (tail.length > this.window) sum -= tail.shift() ?? 0;
      out[i] = sum / tail.length;
    }
    return out;
  }
}

/** One-shot conversion of a whole buffer. */
export function resample(samples: Int16Array, fromHz: number, toHz: number): Int16Array {
  const resampler = new Resampler(fromHz, toHz);
  const body = resampler.push(samples);
  const tail = resampler.flush();
  if (tail.length === 0) return body;
  const out = new Int16Array(body.length + tail.length);
  out.set(body);
  out.set(tail, body.length);
  return out;
}
