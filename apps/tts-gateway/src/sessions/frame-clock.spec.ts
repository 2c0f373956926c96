import { FrameClock } from './frame-clock';

describe(FrameClock.name, () => {
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  /** Waits on `sut` and records the fake time at which each wait was released. */
  function recorder(sut: FrameClock) {
    const released: Array<{ name: string; atMs: number }> = [];
    const wait = (name: string, dueMs: number, signal?: AbortSignal) =>
      void sut.waitUntil(dueMs, signal).then(() => released.push({ name, atMs: Math.round(performance.now() - t0) }));
    const t0 = performance.now();
    return { released, wait, t0 };
  }

  it('releases every waiter due by a tick in the same tick: the grid starts at the first due time', async () => {
    const sut = new FrameClock(20);
    const { released, wait, t0 } = recorder(sut);
    wait('a', t0 + 20);
    wait('b', t0 + 25);
    wait('c', t0 + 29);
    wait('d', t0 + 31);
    wait('e', t0 + 60);

    await jest.advanceTimersByTimeAsync(100);

    // Due within half a tick of a tick goes with it: 25 and 29 with the tick at 20, 31 with the one at 40.
    expect(released).toEqual([
      { name: 'a', atMs: 20 },
      { name: 'b', atMs: 20 },
      { name: 'c', atMs: 20 },
      { name: 'd', atMs: 40 },
      { name: 'e', atMs: 60 },
    ]);
    expect(sut.waiting).toBe(0);
  });

  it('keeps one grid for later waiters, so turns that start at different moments tick together', async () => {
    const sut = new FrameClock(20);
    const { released, wait, t0 } = recorder(sut);
    wait('first', t0 + 20);
    wait('keeps the grid going', t0 + 100);
    await jest.advanceTimersByTimeAsync(27);
    wait('joins', t0 + 47);
    await jest.advanceTimersByTimeAsync(100);

    expect(released).toEqual([
      { name: 'first', atMs: 20 },
      { name: 'joins', atMs: 40 },
      { name: 'keeps the grid going', atMs: 100 },
    ]);
  });

  it('resolves at once when the time has come, and on abort without waiting for a tick', async () => {
    const sut = new FrameClock(20);
    const { released, wait, t0 } = recorder(sut);
    wait('past', t0 - 5);
    const stop = new AbortController();
    wait('aborted', t0 + 1_000, stop.signal);
    await jest.advanceTimersByTimeAsync(0);
    expect(released).toEqual([{ name: 'past', atMs: 0 }]);

    stop.abort();
    await jest.advanceTimersByTimeAsync(0);
    expect(released).toEqual([
      { name: 'past', atMs: 0 },
      { name: 'aborted', atMs: 0 },
    ]);
    expect(sut.waiting).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('stops ticking when no one waits', async () => {
    const sut = new FrameClock(20);
    const { wait, t0 } = recorder(sut);
    wait('only', t0 + 20);
    await jest.advanceTimersByTimeAsync(20);
    expect(jest.getTimerCount()).toBe(0);
  });
});
