/** mulberry32: a tiny seeded PRNG, so a fuzz run is reproducible from its seed (`FUZZ_SEED`). */
export class Prng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  int(minInclusive: number, maxExclusive: number): number {
    return minInclusive + Math.floor(this.next() * (maxExclusive - minInclusive));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** A string of `length` code points drawn from ASCII, Latin-1, CJK, emoji and control ranges. */
  text(length: number): string {
    const ranges: Array<[number, number]> = [
      [0x20, 0x7e],
      [0xa0, 0xff],
      [0x4e00, 0x4fff],
      [0x1f600, 0x1f64f],
      [0x01, 0x1f],
      [0x0300, 0x036f],
      [0x0590, 0x05ff],
    ];
    let out = '';
    for (let i = 0; i < length; i++) {
      const [low, high] = this.pick(ranges);
      out += String.fromCodePoint(this.int(low, high + 1));
    }
    return out;
  }
}

/** The seed of this run: `FUZZ_SEED` if given (to replay a failure), else a fresh one. */
export function fuzzSeed(): number {
  const given = process.env['FUZZ_SEED'];
  if (given !== undefined && given !== '') {
    const seed = Number(given);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`FUZZ_SEED must be an integer in 0..4294967295, got ${given}`);
    return seed;
  }
  return Math.floor(Math.random() * 0xffffffff);
}
