import { Resampler } from './resample';

/** The resampler as it was before it reused its buffers (arrays concatenated per chunk): the reference. */
class ReferenceResampler {
  private readonly window: number;
  private produced = 0;
  private historyStart = 0;
  private history: number[] = [];
  private readonly filterTail: number[] = [];

  constructor(
    private readonly fromHz: number,
    private readonly toHz: number,
  ) {
    this.window = fromHz > toHz ? Math.max(1, Math.round(fromHz / toHz)) : 1;
  }

  push(input: Int16Array): Int16Array {
    const filtered = this.window === 1 ? Array.from(input) : this.lowPass(input);
    const samples = this.history.concat(filtered);
    const out: number[] = [];
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

  flush(): Int16Array {
    const last = this.history[this.history.length - 1];
    const position = (this.produced * this.fromHz) / this.toHz - this.historyStart;
    return last === undefined || position >= this.history.length ? new Int16Array(0) : Int16Array.of(Math.round(last));
  }

  private lowPass(input: Int16Array): number[] {
    const out: number[] = [];
    let sum = this.filterTail.reduce((acc, v) => acc + v, 0);
    for (const sample of input) {
      this.filterTail.push(sample);
      sum += sample;
      if (this.filterTail.length > this.window) sum -= this.filterTail.shift() ?? 0;
      out.push(sum / this.filterTail.length);
    }
    return out;
  }
}

/** Deterministic noise with full-scale peaks (so clipping is exercised too). */
function noise(length: number, seed: number): Int16Array {
  let state = seed;
  return Int16Array.from({ length }, () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return (state % 65_536) - 32_768;
  });
}

describe(`${Resampler.name} (buffers reused)`, () => {
  it.each([
    [48_000, 16_000],
    [44_100, 16_000],
    [24_000, 16_000],
    [22_050, 24_000],
    [16_000, 24_000],
    [16_000, 48_000],
  ])('gives exactly the reference output from %i Hz to %i Hz, over chunks of every size, and after a flush', (from, to) => {
    const sut = new Resampler(from, to);
    const reference = new ReferenceResampler(from, to);
    const input = noise(20_000, from + to);
    const chunkSizes = [1, 7, 320, 2, 960, 0, 4_097, 13];
    for (let round = 0; round < 2; round++) {
      let offset = 0;
      for (let i = 0; offset < input.length; i++) {
        const size = chunkSizes[i % chunkSizes.length] ?? 1;
        const chunk = input.subarray(offset, offset + size);
        expect(sut.push(chunk)).toEqual(reference.push(chunk));
        offset += size;
      }
      expect(sut.flush()).toEqual(reference.flush());
      // A flush resets: the next round starts like a new resampler.
      Object.assign(reference, new ReferenceResampler(from, to));
    }
  });

  it('returns chunks it no longer writes to: an earlier result is not changed by later pushes', () => {
    const sut = new Resampler(48_000, 16_000);
    const first = sut.push(noise(960, 1));
    const copy = first.slice();
    sut.push(noise(960, 2));
    sut.push(noise(4_800, 3));
    expect(first).toEqual(copy);
  });
});
