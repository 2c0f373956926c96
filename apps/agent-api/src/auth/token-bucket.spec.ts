import { TokenBuckets } from './token-bucket';

describe(TokenBuckets.name, () => {
  it('lets a burst through at once, then refuses with a Retry-After of at least one second', () => {
    const sut = new TokenBuckets({ refillPerS: 10, burst: 3 });
    expect([1, 2, 3].map(() => sut.take('k', 1_000).allowed)).toEqual([true, true, true]);
    expect(sut.take('k', 1_000)).toEqual({ allowed: false, retryAfterS: 1 });
  });

  it('refills at the steady rate, never above the burst', () => {
    const sut = new TokenBuckets({ refillPerS: 2, burst: 2 });
    sut.take('k', 0);
    sut.take('k', 0);
    expect(sut.take('k', 0).allowed).toBe(false);
    expect(sut.take('k', 500).allowed).toBe(true); // 0.5 s at 2/s = 1 token
    expect(sut.take('k', 500).allowed).toBe(false);
    // an hour idle refills to the burst (2), not to 7 200
    expect([1, 2, 3].map(() => sut.take('k', 3_600_000).allowed)).toEqual([true, true, false]);
  });

  it('says how many whole seconds until the next token, rounding up', () => {
    const sut = new TokenBuckets({ refillPerS: 1, burst: 1 });
    sut.take('k', 0);
    expect(sut.take('k', 0)).toEqual({ allowed: false, retryAfterS: 1 });
    const slow = new TokenBuckets({ refillPerS: 1, burst: 1 });
    slow.take('k', 0);
    expect(slow.take('k', 100)).toEqual({ allowed: false, retryAfterS: 1 });
    const partial = new TokenBuckets({ refillPerS: 0.25, burst: 1 });
    partial.take('k', 0);
    expect(partial.take('k', 1_000)).toEqual({ allowed: false, retryAfterS: 3 }); // 0.25 there, 0.75 at 0.25/s
  });

  it('keeps one bucket per key', () => {
    const sut = new TokenBuckets({ refillPerS: 1, burst: 1 });
    expect(sut.take('a', 0).allowed).toBe(true);
    expect(sut.take('a', 0).allowed).toBe(false);
    expect(sut.take('b', 0).allowed).toBe(true);
  });

  it('drops buckets idle long enough to be full again, and never keeps more than maxBuckets', () => {
    const sut = new TokenBuckets({ refillPerS: 10, burst: 10, maxBuckets: 3 });
    for (const key of ['a', 'b', 'c', 'd']) sut.take(key, 0);
    expect(sut.size).toBe(3);
    sut.take('e', 5_000);
    expect(sut.size).toBe(1);
  });

  it('after evicting a key, treats it as new (a full bucket)', () => {
    const sut = new TokenBuckets({ refillPerS: 1, burst: 1, maxBuckets: 1 });
    sut.take('a', 0);
    sut.take('b', 0);
    expect(sut.take('a', 0).allowed).toBe(true);
  });

  it('applies a key\'s own limits instead of the defaults', () => {
    const sut = new TokenBuckets({ refillPerS: 1, burst: 1 });
    const slow = { refillPerS: 0.001, burst: 3 };
    expect([1, 2, 3, 4].map(() => sut.take('own', 0, slow).allowed)).toEqual([true, true, true, false]);
    expect(sut.take('own', 999_000, slow).allowed).toBe(false); // one token takes 1 000 s
    expect(sut.take('own', 1_000_000, slow).allowed).toBe(true);
    expect(sut.take('default', 0)).toEqual({ allowed: true });
    expect(sut.take('default', 0)).toEqual({ allowed: false, retryAfterS: 1 });
  });

  it('keeps a slow key\'s bucket until it is full again, even past the default refill time', () => {
    const sut = new TokenBuckets({ refillPerS: 10, burst: 10 });
    const slow = { refillPerS: 0.01, burst: 1 };
    sut.take('slow', 0, slow);
    sut.take('fast', 0);
    sut.take('other', 5_000); // sweeps: fast is full again, slow needs 100 s
    expect(sut.size).toBe(2);
    expect(sut.take('slow', 5_000, slow).allowed).toBe(false);
    sut.take('other', 200_000);
    expect(sut.take('slow', 200_000, slow).allowed).toBe(true);
  });
});
