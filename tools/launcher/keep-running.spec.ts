import { KeepRunning, type Exit, type KeeperClock, type KeptProcess } from './keep-running';

/** A process the test ends by hand. */
function fakeProcess(pid: number): KeptProcess & { end(exit: Exit): void } {
  let end!: (exit: Exit) => void;
  const exited = new Promise<Exit>((resolve) => (end = resolve));
  return { pid, exited, end: (exit) => end(exit) };
}

/** A clock the test advances: pending timers fire when due, no real time passes. */
function manualClock(): KeeperClock & { advance(ms: number): void; pending(): number[] } {
  let nowMs = 0;
  let timers: Array<{ at: number; fn: () => void }> = [];
  return {
    now: () => nowMs,
    after(ms, fn) {
      const timer = { at: nowMs + ms, fn };
      timers.push(timer);
      return () => (timers = timers.filter((t) => t !== timer));
    },
    advance(ms) {
      nowMs += ms;
      const due = timers.filter((t) => t.at <= nowMs);
      timers = timers.filter((t) => t.at > nowMs);
      due.forEach((t) => t.fn());
    },
    pending: () => timers.map((t) => t.at - nowMs),
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

function harness(restartResults: Array<KeptProcess | Error>) {
  const clock = manualClock();
  const lines: string[] = [];
  let stopping = false;
  const started: Array<KeptProcess> = [];
  const sut = new KeepRunning({
    name: 'Postgres',
    clock,
    isStopping: () => stopping,
    log: { info: (line) => lines.push(`info ${line}`), error: (line) => lines.push(`error ${line}`) },
    restart: () => {
      const next = restartResults.shift();
      if (!next) return Promise.reject(new Error('no more processes'));
      if (next instanceof Error) return Promise.reject(next);
      started.push(next);
      return Promise.resolve(next);
    },
  });
  return { sut, clock, lines, started, stopLauncher: () => (stopping = true) };
}

describe(KeepRunning.name, () => {
  it('restarts the Postgres it started after a SIGKILL, after the backoff, and says so', async () => {
    const first = fakeProcess(100);
    const second = fakeProcess(200);
    const { sut, clock, lines, started } = harness([second]);
    sut.watch(first);

    first.end({ code: null, signal: 'SIGKILL' });
    await flush();
    expect(lines).toEqual([expect.stringMatching(/^error Postgres \(pid 100\) exited unexpectedly \(SIGKILL\); restarting it in 500 ms \(failure 1 in a row\)/)]);
    expect(started).toEqual([]);
    expect(clock.pending()).toEqual([500]);

    clock.advance(500);
    await flush();
    expect(started).toEqual([second]);
    expect(sut.process).toBe(second);
    expect(sut.restartCount).toBe(1);
    expect(lines[1]).toBe('info Postgres restarted (pid 200, restart 1); the services reconnect on their own');
  });

  it('backs off further while it keeps failing to start, and keeps the newest process', async () => {
    const first = fakeProcess(100);
    const third = fakeProcess(300);
    const { sut, clock, lines } = harness([new Error('Postgres exited (code 1):\n  lock file exists'), third]);
    sut.watch(first);
    first.end({ code: 1, signal: null });
    await flush();
    clock.advance(500);
    await flush();
    expect(lines[1]).toMatch(/^error Postgres did not start again: Postgres exited \(code 1\):; restarting it in 1000 ms \(failure 2 in a row\)/);
    expect(clock.pending()).toEqual([1_000]);
    clock.advance(1_000);
    await flush();
    expect(sut.process).toBe(third);
  });

  it('does not restart while the launcher is stopping, nor after stop()', async () => {
    const first = fakeProcess(100);
    const { sut, clock, lines, started, stopLauncher } = harness([fakeProcess(200)]);
    sut.watch(first);
    stopLauncher();
    first.end({ code: 0, signal: null });
    await flush();
    expect(lines).toEqual([]);
    expect(clock.pending()).toEqual([]);

    const other = harness([fakeProcess(300)]);
    const proc = fakeProcess(101);
    other.sut.watch(proc);
    proc.end({ code: null, signal: 'SIGKILL' });
    await flush();
    other.sut.stop();
    other.clock.advance(60_000);
    await flush();
    expect(other.started).toEqual([]);
    expect(started).toEqual([]);
  });
});
