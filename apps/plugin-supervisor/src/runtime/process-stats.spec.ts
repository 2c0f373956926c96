import { cpuPercent, readProcessTimes } from './process-stats';

describe(readProcessTimes.name, () => {
  it('reads this process: CPU time grows with work, RSS is the kernel figure', async () => {
    const before = await readProcessTimes(process.pid);
    let x = 0;
    const until = process.cpuUsage().user + 200_000;
    while (process.cpuUsage().user < until) x += Math.sqrt(x + 1);
    const after = await readProcessTimes(process.pid);

    expect(x).toBeGreaterThan(0);
    expect(after?.cpuMs ?? 0).toBeGreaterThan(before?.cpuMs ?? Infinity);
    expect(after?.rssBytes ?? 0).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('is undefined for a process that does not exist', async () => {
    expect(await readProcessTimes(2 ** 22 + 7)).toBeUndefined();
  });
});

describe(cpuPercent.name, () => {
  it('is the share of one core over the interval', () => {
    expect(cpuPercent({ cpuMs: 1000, rssBytes: 0 }, { cpuMs: 1500, rssBytes: 0 }, 1000)).toBe(50);
    expect(cpuPercent({ cpuMs: 0, rssBytes: 0 }, { cpuMs: 3000, rssBytes: 0 }, 2000)).toBe(150);
  });
});
