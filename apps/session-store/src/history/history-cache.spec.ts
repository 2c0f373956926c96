import { HistoryCache } from './history-cache';

describe(HistoryCache.name, () => {
  let nowMs = 0;
  const sut = (ttlMs = 5_000, maxSessions = 2) => new HistoryCache<string>({ ttlMs, maxSessions, now: () => nowMs });
  const loader = (...values: string[]) => {
    const calls = { count: 0 };
    const load = async () => values[Math.min(calls.count++, values.length - 1)] as string;
    return { calls, load };
  };

  beforeEach(() => (nowMs = 0));

  it('serves a repeated read from memory until the TTL passes', async () => {
    const cache = sut();
    const { calls, load } = loader('v1', 'v2');
    expect(await cache.getOrLoad('s', 'k', load)).toBe('v1');
    nowMs = 4_999;
    expect(await cache.getOrLoad('s', 'k', load)).toBe('v1');
    nowMs = 5_000;
    expect(await cache.getOrLoad('s', 'k', load)).toBe('v2');
    expect(calls.count).toBe(2);
  });

  it('reloads after the session is invalidated', async () => {
    const cache = sut();
    const { load } = loader('old', 'new');
    await cache.getOrLoad('s', 'k', load);
    cache.invalidate('s');
    expect(await cache.getOrLoad('s', 'k', load)).toBe('new');
  });

  it('does not store a load that raced with a write to the session', async () => {
    const cache = sut();
    let release: (value: string) => void = () => undefined;
    const pending = cache.getOrLoad('s', 'k', () => new Promise<string>((resolve) => (release = resolve)));
    cache.invalidate('s');
    release('stale');
    expect(await pending).toBe('stale');
    expect(await cache.getOrLoad('s', 'k', async () => 'fresh')).toBe('fresh');
  });

  it('keeps at most maxSessions sessions, evicting the least recently filled', async () => {
    const cache = sut(5_000, 2);
    for (const id of ['a', 'b', 'c']) await cache.getOrLoad(id, 'k', async () => id);
    expect(cache.size).toBe(2);
    expect(await cache.getOrLoad('a', 'k', async () => 'reloaded')).toBe('reloaded');
  });

  it('does not cache a failed load', async () => {
    const cache = sut();
    await expect(cache.getOrLoad('s', 'k', async () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.getOrLoad('s', 'k', async () => 'ok')).toBe('ok');
  });

  it('caches nothing with a TTL of 0', async () => {
    const cache = sut(0);
    const { calls, load } = loader('v');
    await cache.getOrLoad('s', 'k', load);
    await cache.getOrLoad('s', 'k', load);
    expect(calls.count).toBe(2);
  });
});
