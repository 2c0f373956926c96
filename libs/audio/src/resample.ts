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
  /** Global input index of `samples[0]`. */
  private historyStart = 0;
  /** Filtered input not consumed yet (`samples[0, historyLength)`), then the chunk being pushed; reused across pushes. */
  private samples = new Float64Array(0);
  private historyLength = 0;
  /** The low-pass's last `window` inputs (a ring), how many it holds, where the next goes, and their sum. */
  private readonly ring: Float64Array;
  private ringCount = 0;
  private ringNext = 0;
  private ringSum = 0;
  /** Output scratch, reused; each push returns a copy of its part. */
  private scratch = new Int16Array(0);

  constructor(
    readonly fromHz: number,
    readonly toHz: number,
  ) {
    if (!(fromHz > 0 && toHz > 0)) throw new RangeError(`sample rates must be positive, got ${fromHz} → ${toHz}`);
    this.window = fromHz > toHz ? Math.max(1, Math.round(fromHz / toHz)) : 1;
    this.ring = new Float64Array(this.window);
  }

  push(input: Int16Array): Int16Array {
    if (this.fromHz === this.toHz) return input.slice();
    const total = this.historyLength + input.length;
    if (this.samples.length < total) {
      const grown = new Float64Array(Math.max(total, this.samples.length * 2));
      grown.set(this.samples.subarray(0, this.historyLength));
      this.samples = grown;
    }
    const samples = this.samples;
    this.lowPassInto(input, samples, this.historyLength);

    const ratio = this.fromHz / this.toHz;
    const bound = Math.ceil(total / ratio) + 2;
    if (this.scratch.length < bound) this.scratch = new Int16Array(Math.max(bound, this.scratch.length * 2));
    const out = this.scratch;
    let count = 0;
    // Positions are computed from integer counters, never accumulated, so chunking cannot drift.
    for (;;) {
      const position = (this.produced * this.fromHz) / this.toHz - this.historyStart;
      const index = Math.floor(position);
      if (index + 1 >= total) break;
      const a = samples[index] as number;
      const b = samples[index + 1] as number;
      const value = Math.round(a + (b - a) * (position - index));
      out[count++] = value < -32768 ? -32768 : value > 32767 ? 32767 : value;
      this.produced += 1;
    }
    const next = Math.floor((this.produced * this.fromHz) / this.toHz) - this.historyStart;
    const keepFrom = Math.max(0, Math.min(next, total));
    samples.copyWithin(0, keepFrom, total);
    this.historyLength = total - keepFrom;
    this.historyStart += keepFrom;
    return out.slice(0, count);
  }

  /** The samples still held back (at most one input sample), interpolated out; the resampler resets. */
  flush(): Int16Array {
    const last = this.historyLength > 0 ? this.samples[this.historyLength - 1] : undefined;
    const position = (this.produced * this.fromHz) / this.toHz - this.historyStart;
    const out = last === undefined || position >= this.historyLength ? new Int16Array(0) : Int16Array.of(Math.round(last));
    this.historyLength = 0;
    this.produced = 0;
    this.historyStart = 0;
    this.ringCount = 0;
    this.ringNext = 0;
    this.ringSum = 0;
    return out;
  }

  /** Moving average over the last `window` inputs (fewer at the start), written to `out` from `offset`. */
  private lowPassInto(input: Int16Array, out: Float64Array, offset: number): void {
    if (this.window === 1) {
      for (let i = 0; i < input.length; i++) out[offset + i] = input[i] as number;
      return;
    }
    const ring = this.ring;
    const window = this.window;
    for (let i = 0; i < input.length; i++) {
      const sample = input[i] as number;
      if (this.ringCount === window) this.ringSum -= ring[this.ringNext] as number;
      else this.ringCount += 1;
      ring[this.ringNext] = sample;
      this.ringSum += sample;
      this.ringNext = this.ringNext + 1 === window ? 0 : this.ringNext + 1;
      out[offset + i] = this.ringSum / this.ringCount;
    }
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
